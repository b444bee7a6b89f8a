/**
 * Outbound webhooks on the queue: `publish` stores a delivery and puts a
 * `{kind: "webhook", id}` job on SEND_QUEUE; `runWebhookJob` is what the
 * consumer does with one (through event-jobs.ts) — an attempt when due (its outcome appended to the
 * record's events as `webhook.attempt`), and when the job must come back.
 */
import { appendEvent } from "../store/messages";
import type { OutboundEvent } from "./standard-webhooks";
import { addDelivery, attemptDelivery, type Next, type Target, type WebhookJob } from "./webhook-deliveries";

/** SEND_QUEUE as seen from here: it takes any job with a `kind`. */
export interface WebhookQueue {
	send(body: { kind: string } & Record<string, unknown>, options?: { delaySeconds?: number }): Promise<unknown>;
}

export interface Publication {
	/** The webhook-id: stable for the event. */
	id: string;
	ref: string | null;
	relayId: string;
	event: OutboundEvent;
	/** Only while no record has claimed the provider event `id` (webhook-deliveries.ts). */
	onlyWhileUnattached?: boolean;
}

/** Stores the delivery (once per id) and queues its first attempt; answers whether it was new. */
export async function publish(db: D1Database, queue: WebhookQueue, p: Publication, nowMs: number): Promise<boolean> {
	const stream = p.ref ?? p.relayId;
	const delivery = { id: p.id, stream, ref: p.ref, event: p.event, onlyWhileUnattached: p.onlyWhileUnattached };
	if (!(await addDelivery(db, delivery, nowMs))) return false;
	await queue.send({ kind: "webhook", id: p.id } satisfies WebhookJob);
	return true;
}

/** One look at a webhook job; the attempt, if any, is logged on the record. */
export async function runWebhookJob(db: D1Database, target: Target, job: WebhookJob, nowMs: number): Promise<Next> {
	const next = await attemptDelivery(db, target, job.id, nowMs);
	const a = next.attempt;
	if (a?.ref) {
		await appendEvent(db, a.ref, {
			type: "webhook.attempt",
			at: a.at,
			detail: {
				webhookId: job.id,
				event: a.type,
				attempt: a.number,
				ok: a.ok,
				status: a.status,
				...(a.error ? { error: a.error } : {}),
			},
		});
	}
	return next;
}

export const isWebhookJob = (
	body: { kind: string } & Record<string, unknown>,
): body is { kind: "webhook"; id: string } => body.kind === "webhook" && typeof body.id === "string";

/** Where outbound events go, when configured. */
export interface Outlet {
	queue?: WebhookQueue;
	target?: Target;
}
