/**
 * One look at an outbound webhook: a `webhook` job (store/jobs.ts) names the
 * object whose outbox holds the delivery — a MessageShard (`m:…`) for a
 * record's own events and the provider events filed on it, a RelayIndex
 * (`r:…`) for a provider event no record claimed — and the delivery's id.
 * The object claims the attempt (one poster at a time, a message's events in
 * order), this POSTs it signed (outbound.ts), and the object keeps the
 * outcome. Not done: the consumer queues the job again, delayed to `dueAt`.
 * A throw: the queue retries it, and should the job be lost for good the
 * object's sweep queues the delivery again.
 */
import type { Config } from "../config";
import type { WebhookJob } from "../store/jobs";
import { indexByName, type StoreBindings, shardByName } from "../store/messages-client";
import type { AttemptOutcome, OutboxClaim, OutboxSettled } from "../store/outbox";
import { deliverEvent } from "./outbound";
import { renderEvent } from "./render";

export type WebhookNext = { done: true } | { done: false; dueAt: number };

/** Whether outbound events are configured: both the URL and the secret. */
export const webhooksOn = (events: Config["events"]): boolean => Boolean(events.webhookUrl && events.webhookSecret);

/** What both kinds of object offer for their outbox. */
interface Outbox {
	claimDelivery(id: string, now: number): Promise<OutboxClaim>;
	settleDelivery(id: string, token: string, outcome: AttemptOutcome, now: number): Promise<OutboxSettled>;
}

/** The object a job names; a throw when its namespace is not bound (the queue retries: a deploy fixes it). */
function outboxNamed(env: Partial<Pick<StoreBindings, "MESSAGES" | "RELAY_INDEX">>, name: string): Outbox | undefined {
	const { MESSAGES, RELAY_INDEX } = env;
	if (name.startsWith("m:")) {
		if (!MESSAGES) throw new Error("webhook job: the MESSAGES binding is missing");
		return shardByName({ MESSAGES }, name) as unknown as Outbox;
	}
	if (name.startsWith("r:")) {
		if (!RELAY_INDEX) throw new Error("webhook job: the RELAY_INDEX binding is missing");
		return indexByName({ RELAY_INDEX }, name) as unknown as Outbox;
	}
	return undefined;
}

export async function runWebhookJob(
	env: Partial<Pick<StoreBindings, "MESSAGES" | "RELAY_INDEX">>,
	config: Pick<Config, "events">,
	job: WebhookJob,
	now: number,
): Promise<WebhookNext> {
	const outbox = outboxNamed(env, job.object);
	if (!outbox) {
		console.warn(JSON.stringify({ level: "warn", msg: "webhook job for no outbox", object: job.object, id: job.id }));
		return { done: true };
	}
	const claim = await outbox.claimDelivery(job.id, now);
	if (claim.kind === "done") return { done: true };
	if (claim.kind === "wait") return { done: false, dueAt: claim.dueAt };
	const { webhookUrl, webhookSecret, format } = config.events;
	// Turned off since the event was filed: settled for good, so the sweep stops queuing it.
	const outcome: AttemptOutcome =
		webhookUrl && webhookSecret
			? await deliverEvent(webhookUrl, webhookSecret, job.id, renderEvent(claim.event), now, format)
			: { ok: false, status: 0, final: true };
	const settled = await outbox.settleDelivery(job.id, claim.token, outcome, now);
	// `lost`: the lease ran out mid-post and another attempt took the delivery over; its job goes on.
	return settled.kind === "retry" ? { done: false, dueAt: settled.dueAt } : { done: true };
}
