/**
 * The SEND_QUEUE consumer: `send` jobs of a batch go together through
 * send-jobs.ts (one limiter call for the batch), `webhook` jobs each through
 * src/events/; unknown kinds are acked with a warning. A job not yet due goes
 * back as a new queue message delayed up to the queue's 12 h (waits never use
 * up its retries); a job that threw is retried by the queue, and what the
 * queue gives up on goes to the dead-letter queue (dead-letters.ts).
 */
import type { Config } from "../config";
import { readConfig } from "../config";
import type { Bindings } from "../env";
import { runWebhookJob } from "../events/webhook-job";
import { asyncBindings } from "../send/async-rules";
import { MAX_SESSIONS, runPooled } from "../send/batch-plan";
import { type Limiter, userLimiter } from "../send/limiter";
import { delayFor, type QueueJob, type SendJob, type WebhookJob } from "../store/jobs";
import { deliverSendJobs, type JobVerdict } from "./send-jobs";

export type { QueueJob };

const isSendJob = (body: QueueJob): body is SendJob => body.kind === "send" && typeof body.ref === "string";
const isWebhookJob = (body: QueueJob): body is WebhookJob =>
	body.kind === "webhook" && typeof body.object === "string" && typeof body.id === "string";

export async function consumeQueue(
	batch: MessageBatch<QueueJob>,
	env: Bindings,
	ctx: ExecutionContext,
	now: () => number = Date.now,
	limiter?: Limiter,
): Promise<void> {
	// EHLO_NAME's default needs a request host; each record keeps the one it was accepted with.
	const read = readConfig(env, "localhost");
	const bindings = read.ok ? boundForAsync(env) : undefined;
	if (!read.ok || !bindings) {
		console.error(
			JSON.stringify({ level: "error", msg: "queue consumer misconfigured", bindings: !!bindings, settings: read.ok }),
		);
		batch.retryAll({ delaySeconds: 60 });
		return;
	}
	const config = read.config;
	const sends: Message<QueueJob>[] = [];
	const webhooks: Message<QueueJob>[] = [];
	for (const message of batch.messages) {
		if (isSendJob(message.body)) sends.push(message);
		else if (isWebhookJob(message.body)) webhooks.push(message);
		else {
			console.warn(
				JSON.stringify({ level: "warn", msg: "queue job of unknown kind", kind: String(message.body?.kind) }),
			);
			message.ack();
		}
	}
	const queue = bindings.SEND_QUEUE;
	const settle = async (message: Message<QueueJob>, verdict: JobVerdict) => {
		if (verdict.kind === "retry") return message.retry({ delaySeconds: 30 });
		if (verdict.kind === "again") {
			try {
				await queue.send(message.body, { delaySeconds: delayFor(verdict.dueAt, now()) });
			} catch {
				return message.retry({ delaySeconds: delayFor(verdict.dueAt, now()) });
			}
		}
		message.ack();
	};
	if (sends.length) {
		let verdicts: Map<string, JobVerdict>;
		try {
			verdicts = await deliverSendJobs(
				{
					env: { ...env, ...bindings },
					config,
					now,
					random: Math.random,
					closeLater: (closing) => ctx.waitUntil(closing.catch(() => {})),
					limiter: limiter ?? userLimiter(env, config),
				},
				sends.map((m) => (m.body as SendJob).ref),
			);
		} catch (error) {
			// The limiter (or the store) failed before anything was claimed: the queue brings them back.
			console.error(JSON.stringify({ level: "error", msg: "send jobs failed", error: String(error) }));
			verdicts = new Map();
		}
		await Promise.all(sends.map((m) => settle(m, verdicts.get((m.body as SendJob).ref) ?? { kind: "retry" })));
	}
	await runPooled(
		webhooks.map(
			(message) => async () => settle(message, await webhookVerdict(env, config, message.body as WebhookJob, now)),
		),
		MAX_SESSIONS,
	);
}

async function webhookVerdict(env: Bindings, config: Config, job: WebhookJob, now: () => number): Promise<JobVerdict> {
	try {
		const next = await runWebhookJob(env, config, job, now());
		return next.done ? { kind: "ack" } : { kind: "again", dueAt: next.dueAt };
	} catch (error) {
		console.error(
			JSON.stringify({
				level: "error",
				msg: "webhook job failed",
				object: job.object,
				id: job.id,
				error: String(error),
			}),
		);
		return { kind: "retry" };
	}
}

/** The bindings async sends need, or undefined (the consumer then retries the batch later, and says so). */
function boundForAsync(env: Bindings) {
	try {
		return asyncBindings(env);
	} catch {
		return undefined;
	}
}
