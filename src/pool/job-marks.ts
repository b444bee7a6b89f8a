/**
 * What a RelayPool object remembers, durably, about the jobs Workers handed
 * it: that a job's content started (marked just before its first byte goes to
 * the relay), or that the Worker gave the job up after its call failed. A
 * failed call says nothing by itself about whether the relay could have the
 * message (the runtime reads the body stream as soon as it crosses RPC), so
 * the Worker asks here (`abandon`) and sends directly only when the content
 * never started. Both steps are one transaction in the object's own storage,
 * so whichever comes first wins: a job given up never starts afterwards, and
 * a started job is never reported as not started. Kept an hour, well past the
 * longest call (a pooled session's deadline, 11 minutes, then the final
 * reply); the Worker asks the moment its call fails.
 */

/** How long a mark is kept. */
export const JOB_MARK_KEEP_MS = 60 * 60_000;
/** Old marks are deleted at most this often. */
const PRUNE_EVERY_MS = 60_000;

/** What `abandon` answers: the content started (the relay may have the message), or it never will. */
export type AbandonAnswer = "started" | "abandoned";

export class JobMarks {
	readonly #storage: DurableObjectStorage;
	readonly #now: () => number;
	#prunedAt = 0;

	constructor(storage: DurableObjectStorage, now: () => number = Date.now) {
		this.#storage = storage;
		this.#now = now;
		storage.sql.exec(
			`CREATE TABLE IF NOT EXISTS job_marks (job_id TEXT PRIMARY KEY, state TEXT NOT NULL, at INTEGER NOT NULL);
			 CREATE INDEX IF NOT EXISTS job_marks_at ON job_marks (at)`,
		);
	}

	/**
	 * Marks `jobId` started and waits until the mark is durable; throws when
	 * the Worker has already given the job up (its message went another way).
	 */
	async start(jobId: string): Promise<void> {
		const given = this.#storage.transactionSync(() => {
			const state = this.#state(jobId);
			if (state === "abandoned") return true;
			if (state === undefined) this.#put(jobId, "started");
			return false;
		});
		if (given) throw new Error("the Worker gave this job up after its call failed: its message went another way");
		await this.#storage.sync();
	}

	/** The Worker gives `jobId` up: whether its content started; if not, it never will. */
	abandon(jobId: string): AbandonAnswer {
		return this.#storage.transactionSync(() => {
			const state = this.#state(jobId);
			if (state === "started") return "started";
			if (state === undefined) this.#put(jobId, "abandoned");
			return "abandoned";
		});
	}

	#state(jobId: string): string | undefined {
		const row = this.#storage.sql
			.exec<{ state: string }>("SELECT state FROM job_marks WHERE job_id = ?", jobId)
			.toArray()[0];
		return row?.state;
	}

	#put(jobId: string, state: "started" | "abandoned"): void {
		const now = this.#now();
		this.#storage.sql.exec("INSERT INTO job_marks (job_id, state, at) VALUES (?, ?, ?)", jobId, state, now);
		if (now - this.#prunedAt < PRUNE_EVERY_MS) return;
		this.#prunedAt = now;
		this.#storage.sql.exec("DELETE FROM job_marks WHERE at < ?", now - JOB_MARK_KEEP_MS);
	}
}
