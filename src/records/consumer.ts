/**
 * The SEND_QUEUE consumer: dispatches each job on its `kind` ("send" here;
 * "webhook" and "held-event" belong to src/events/, event-jobs.ts), at most
 * six at once (the platform's open connections per invocation). A job not yet due goes back on the queue
 * as a new message delayed up to the queue's 12 h maximum, so waits never
 * use up the queue's retry count.
 */

import type { Config } from "../config";
import { readConfig } from "../config";
import type { Bindings } from "../env";
import { type EventJob, isEventJob, runEventJob } from "../events/event-jobs";
import type { SendJob } from "../send/accept";
import { MAX_SESSIONS, runPooled } from "../send/batch-plan";
import { queueDelaySeconds } from "../util/backoff";
import { type AttemptContext, attemptSend } from "./attempt";

export type QueueJob = { kind: string } & Record<string, unknown>;

const isSendJob = (body: QueueJob): body is QueueJob & SendJob => body.kind === "send" && typeof body.ref === "string";

export async function consumeQueue(
	batch: MessageBatch<QueueJob>,
	env: Bindings,
	ctx: ExecutionContext,
	now: () => number = Date.now,
	limiter?: AttemptContext["limiter"],
): Promise<void> {
	const { DB, SPOOL, SEND_QUEUE } = env;
	// EHLO_NAME's default needs a request host; each record keeps the one it was accepted with.
	const read = readConfig(env, "localhost");
	if (!DB || !SPOOL || !SEND_QUEUE || !read.ok) {
		console.error(
			JSON.stringify({
				level: "error",
				msg: "queue consumer misconfigured",
				bindings: !!(DB && SPOOL && SEND_QUEUE),
				settings: read.ok,
			}),
		);
		batch.retryAll({ delaySeconds: 60 });
		return;
	}
	const attempt: AttemptContext = {
		env: { ...env, DB, SPOOL },
		config: read.config,
		now,
		random: Math.random,
		closeLater: (closing) => ctx.waitUntil(closing.catch(() => {})),
		...(limiter ? { limiter } : {}),
	};
	await runPooled(
		batch.messages.map((message) => async () => {
			const body = message.body;
			if (isEventJob(body)) {
				await runEvent(body, read.config, DB, SEND_QUEUE, now, message);
				return;
			}
			if (!isSendJob(body)) {
				console.warn(JSON.stringify({ level: "warn", msg: "queue job of unknown kind", kind: String(body?.kind) }));
				message.ack();
				return;
			}
			try {
				const next = await attemptSend(attempt, body.ref);
				if (!next.done) {
					await SEND_QUEUE.send({ kind: "send", ref: body.ref } satisfies SendJob, {
						delaySeconds: queueDelaySeconds(next.dueAt, now()),
					});
				}
				message.ack();
			} catch (error) {
				// D1, R2 or the queue failed us: let the queue bring the job back.
				console.error(JSON.stringify({ level: "error", msg: "send job failed", ref: body.ref, error: String(error) }));
				message.retry({ delaySeconds: 30 });
			}
		}),
		MAX_SESSIONS,
	);
}

/** A job of src/events/ (a webhook attempt, a held event let go), back on the queue until it is done. */
async function runEvent(
	job: EventJob & QueueJob,
	config: Config,
	db: D1Database,
	queue: Queue<QueueJob>,
	now: () => number,
	message: Message<QueueJob>,
): Promise<void> {
	const { webhookUrl, webhookSecret, format } = config.events;
	if (!webhookUrl || !webhookSecret) {
		message.ack(); // turned off since it was queued
		return;
	}
	try {
		const next = await runEventJob(db, queue, { url: webhookUrl, secret: webhookSecret, format }, job, now());
		if (!next.done) await queue.send(job, { delaySeconds: queueDelaySeconds(next.dueAt, now()) });
		message.ack();
	} catch (error) {
		console.error(
			JSON.stringify({ level: "error", msg: "event job failed", kind: job.kind, id: job.id, error: String(error) }),
		);
		message.retry({ delaySeconds: 30 });
	}
}
