/**
 * The queue's messages, as the store hands them out (a sweep's re-queued
 * jobs) and the consumer takes them: a send names its record's ref; a webhook
 * names the object whose outbox holds the delivery and the delivery's id.
 */

/** Any message on the queue: a `kind` and its fields (unknown kinds are acked with a warning). */
export type QueueJob = { kind: string } & Record<string, unknown>;

export type SendJob = {
	kind: "send";
	ref: string;
};

export type WebhookJob = {
	kind: "webhook";
	/** The Durable Object (by name) whose outbox holds the delivery: `m:…` or `r:…`. */
	object: string;
	id: string;
};

export type StoreJob = SendJob | WebhookJob;

/** A job with when it should be looked at. */
export interface DueJob {
	job: StoreJob;
	delaySeconds: number;
}

/** A queue message can be delayed at most 12 h. */
const MAX_DELAY_S = 12 * 3600;

export const delayFor = (dueAt: number, now: number): number =>
	Math.min(MAX_DELAY_S, Math.max(0, Math.ceil((dueAt - now) / 1000)));

/** Sends jobs in batches of the queue's limit (100). */
export async function sendJobs(queue: Queue<QueueJob>, jobs: readonly DueJob[]): Promise<void> {
	for (let i = 0; i < jobs.length; i += 100) {
		await queue.sendBatch(jobs.slice(i, i + 100).map(({ job, delaySeconds }) => ({ body: job, delaySeconds })));
	}
}

/** Webhook jobs for deliveries just written to `object`'s outbox, due now. */
export const webhookJobs = (object: string, ids: readonly string[]): DueJob[] =>
	ids.map((id) => ({ job: { kind: "webhook", object, id }, delaySeconds: 0 }));
