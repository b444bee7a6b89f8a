/**
 * SEND_QUEUE as the platform runs it, for one crash run: the messages sent
 * to it wait for their delay on the run's clock; a batch of them goes to the
 * real consumer (`consumeQueue`) as one invocation; what it acked leaves,
 * what it retried (or, when it threw, did not ack) comes back after its
 * delay, all of a dead invocation's batch comes back at once (its acks never
 * reached the platform), and a message retried too often goes to the
 * dead-letter consumer.
 */
import type { Bindings } from "../../../src/env";
import { consumeQueue, type QueueJob } from "../../../src/records/consumer";
import { consumeDeadLetters } from "../../../src/records/dead-letters";
import type { Sent } from "./calls";
import { Background, Invocation } from "./invocation";

/** wrangler.toml's batch size and retries. */
const BATCH_SIZE = 12;
const MAX_RETRIES = 10;

interface QueuedJob {
	id: number;
	body: QueueJob;
	dueAt: number;
	attempts: number;
}

type Verdict = { retry: boolean; delaySeconds: number };

export class RunQueue {
	readonly #jobs: QueuedJob[] = [];
	#sent = 0;

	/** `bindingsFor`: the run's bindings for one invocation; `now`: the run's clock. */
	constructor(
		private readonly bindingsFor: (invocation: Invocation) => Bindings,
		private readonly now: () => number,
	) {}

	get empty(): boolean {
		return this.#jobs.length === 0;
	}

	send(sent: readonly Sent<QueueJob>[]): void {
		for (const { body, delaySeconds } of sent) {
			this.#jobs.push({ id: ++this.#sent, body, dueAt: this.now() + delaySeconds * 1000, attempts: 0 });
		}
	}

	/** Hands the next batch of due messages to the consumer; false when none is due. */
	async deliverDue(): Promise<boolean> {
		const due = this.#jobs.filter((job) => job.dueAt <= this.now()).slice(0, BATCH_SIZE);
		if (!due.length) return false;
		for (const job of due) this.#jobs.splice(this.#jobs.indexOf(job), 1);
		await this.#consume(due);
		return true;
	}

	async #consume(jobs: QueuedJob[]): Promise<void> {
		const invocation = new Invocation();
		const background = new Background();
		const verdicts = new Map<number, Verdict>();
		const settle = (job: QueuedJob, retry: boolean, delaySeconds = 0) => {
			if (!verdicts.has(job.id)) verdicts.set(job.id, { retry, delaySeconds });
		};
		const batch = {
			queue: "edgesend-send",
			messages: jobs.map((job) => ({
				id: `job-${job.id}`,
				timestamp: new Date(this.now()),
				attempts: job.attempts + 1,
				body: job.body,
				ack: () => settle(job, false),
				retry: (options?: QueueRetryOptions) => settle(job, true, options?.delaySeconds ?? 0),
			})),
			ackAll: () => {
				for (const job of jobs) settle(job, false);
			},
			retryAll: (options?: QueueRetryOptions) => {
				for (const job of jobs) settle(job, true, options?.delaySeconds ?? 0);
			},
		} as unknown as MessageBatch<QueueJob>;
		const consumed = consumeQueue(batch, this.bindingsFor(invocation), background.context, this.now)
			.then(() => "returned" as const)
			.catch(() => "threw" as const);
		const ended = await Promise.race([consumed, invocation.died]);
		if (ended !== "died") await Promise.race([background.settled(), invocation.died]);
		if (invocation.dead) await invocation.landed();
		const dead: QueuedJob[] = [];
		for (const job of jobs) {
			const verdict = verdicts.get(job.id);
			const again = invocation.dead || (verdict ? verdict.retry : ended === "threw");
			if (!again) continue;
			job.attempts++;
			if (job.attempts >= MAX_RETRIES) dead.push(job);
			else {
				job.dueAt = this.now() + (invocation.dead ? 0 : (verdict?.delaySeconds ?? 0) * 1000);
				this.#jobs.push(job);
			}
		}
		if (dead.length) await this.#deadLetters(dead);
	}

	/** Messages the queue gave up on, through the dead-letter consumer (it hands them back to their objects). */
	async #deadLetters(jobs: QueuedJob[]): Promise<void> {
		const invocation = new Invocation();
		const batch = {
			queue: "edgesend-send-dlq",
			messages: jobs.map((job) => ({
				id: `dead-${job.id}`,
				timestamp: new Date(this.now()),
				attempts: job.attempts,
				body: job.body,
				ack: () => {},
				retry: () => {},
			})),
			ackAll: () => {},
			retryAll: () => {},
		} as unknown as MessageBatch<QueueJob>;
		await Promise.race([consumeDeadLetters(batch, this.bindingsFor(invocation), this.now), invocation.died]);
		if (invocation.dead) await invocation.landed();
	}
}
