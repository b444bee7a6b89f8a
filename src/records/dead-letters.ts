/**
 * The dead-letter queue's consumer: a job the queue gave up on (its retries
 * spent: the store or the spool failed it again and again) is handed back to
 * the object that owns its record or delivery, whose sweep queues it again on
 * its next look; and it is logged, so an operator sees it in `wrangler tail`.
 * Nothing is dropped: the record or delivery is still open in its object.
 */
import type { Bindings } from "../env";
import type { QueueJob } from "../store/jobs";
import { indexByName, shardByName, shardOf } from "../store/messages-client";

export async function consumeDeadLetters(batch: MessageBatch<QueueJob>, env: Bindings, now = Date.now): Promise<void> {
	for (const message of batch.messages) {
		const job = message.body;
		console.error(
			JSON.stringify({ level: "error", msg: "dead letter", kind: String(job?.kind), attempts: message.attempts }),
		);
		try {
			await handBack(env, job, now());
			message.ack();
		} catch (error) {
			console.error(JSON.stringify({ level: "error", msg: "dead letter not handed back", error: String(error) }));
			message.retry({ delaySeconds: 60 });
		}
	}
}

async function handBack(env: Bindings, job: QueueJob, now: number): Promise<void> {
	if (!env.MESSAGES || !env.RELAY_INDEX) return;
	const store = { MESSAGES: env.MESSAGES, RELAY_INDEX: env.RELAY_INDEX };
	if (job.kind === "send" && typeof job.ref === "string") {
		await shardOf(store, job.ref)?.handBack({ kind: "send", ref: job.ref }, now);
	} else if (job.kind === "webhook" && typeof job.object === "string" && typeof job.id === "string") {
		if (job.object.startsWith("m:"))
			await shardByName(store, job.object).handBack({ kind: "webhook", id: job.id }, now);
		else if (job.object.startsWith("r:")) await indexByName(store, job.object).handBack(job.id, now);
	}
}
