/**
 * The jobs of the delivery events on SEND_QUEUE, as the queue consumer
 * (src/records/consumer.ts) sees them: `webhook` (one look at an outbound
 * delivery, webhook-job.ts) and `held-event` (an unmatched provider event at
 * the end of its hold, held-events.ts). Each answers whether the job must
 * come back, and when; the consumer re-queues it delayed until then.
 */
import { type HeldEventJob, isHeldEventJob, releaseHeldEvent } from "./held-events";
import type { Next, Target, WebhookJob } from "./webhook-deliveries";
import { isWebhookJob, runWebhookJob, type WebhookQueue } from "./webhook-job";

export type EventJob = WebhookJob | HeldEventJob;

export const isEventJob = (body: { kind: string } & Record<string, unknown>): body is EventJob & typeof body =>
	isWebhookJob(body) || isHeldEventJob(body);

export function runEventJob(
	db: D1Database,
	queue: WebhookQueue,
	target: Target,
	job: EventJob,
	nowMs: number,
): Promise<Next> {
	return job.kind === "held-event" ? releaseHeldEvent(db, queue, job, nowMs) : runWebhookJob(db, target, job, nowMs);
}
