/**
 * One look at a `webhook` job (PROVISIONAL: the events part is being rebuilt
 * on the store; this is the minimum the consumer needs meanwhile): claim the
 * delivery in the outbox of the object the job names, post it signed, write
 * the outcome there.
 */
import type { Config } from "../config";
import type { Bindings } from "../env";
import type { WebhookJob } from "../store/jobs";
import { indexByName, shardByName } from "../store/messages-client";
import type { OutboxEvent } from "../store/types";
import { deliverEvent } from "./outbound";
import type { OutboundEvent } from "./standard-webhooks";

export type Next = { done: true } | { done: false; dueAt: number };

const render = (e: OutboxEvent): OutboundEvent => ({
	type: e.type,
	timestamp: new Date(e.at).toISOString(),
	data: { ref: e.ref, messageId: e.messageId, relayId: e.relayId, to: e.to, detail: e.detail },
});

export async function runWebhookJob(env: Bindings, config: Config, job: WebhookJob, now: number): Promise<Next> {
	if (!env.MESSAGES || !env.RELAY_INDEX) return { done: true };
	const store = { MESSAGES: env.MESSAGES, RELAY_INDEX: env.RELAY_INDEX };
	const object = job.object.startsWith("r:") ? indexByName(store, job.object) : shardByName(store, job.object);
	const claim = await object.claimDelivery(job.id, now);
	if (claim.kind === "done") return { done: true };
	if (claim.kind === "wait") return { done: false, dueAt: claim.dueAt };
	const { webhookUrl, webhookSecret } = config.events;
	if (!webhookUrl || !webhookSecret) {
		await object.settleDelivery(job.id, claim.token, { ok: false, status: 0, final: true }, now);
		return { done: true };
	}
	const outcome = await deliverEvent(webhookUrl, webhookSecret, job.id, render(claim.event), now);
	const settled = await object.settleDelivery(job.id, claim.token, { ok: outcome.ok, status: outcome.status }, now);
	return settled.kind === "retry" ? { done: false, dueAt: settled.dueAt } : { done: true };
}
