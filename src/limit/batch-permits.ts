/**
 * One grant for a whole consumer batch: the first job that wants a permit
 * asks the budget once for as many as the batch has send jobs, later jobs
 * share that answer, and the batch settles once at its end. A job reports
 * what its permit became (sent, or unused); permits never handed out go back
 * at the settle, and a permit whose job never said (it threw) stays counted
 * until its delivery bound: never uncounted early.
 */
import type { TransactionDeadline } from "../smtp";
import type { PermitOutcome, Permits } from "./budget.ts";

/** What the batch asks: the budget's acquire and settle (RateBudget, or the API's handle around it). */
export interface PermitSource {
	acquire(n: number): Promise<Permits>;
	settle(permits: Permits, outcome: PermitOutcome): Promise<unknown>;
}

/** One job's permit: deliver within `deadline`, then say what became of it, once. */
export interface BatchPermit {
	readonly deadline: TransactionDeadline;
	/** The message reached (or may have reached) the relay. */
	sent(): void;
	/** Nothing reached the relay (refused before DATA, canceled, not started): the permit goes back. */
	unused(): void;
}

/** No permit for this job: when the budget expects one to free, and when its window clears. */
export interface NoPermit {
	retryAfterMs: number;
	resetInMs: number;
}

export class BatchPermits {
	readonly #source: PermitSource;
	readonly #wanted: number;
	#grant: Promise<Permits> | undefined;
	#handed = 0;
	#sent = 0;
	#unused = 0;
	#settled = false;

	/** `wanted`: how many permits the batch asks for at most (its send jobs). */
	constructor(source: PermitSource, wanted: number) {
		this.#source = source;
		this.#wanted = Math.max(1, wanted);
	}

	/** A permit for one job, or why there is none; the budget is asked on the first call only. */
	async take(): Promise<BatchPermit | NoPermit> {
		if (this.#settled) throw new Error("BatchPermits: the batch has settled; no more permits");
		this.#grant ??= this.#source.acquire(this.#wanted);
		const permits = await this.#grant;
		if (this.#handed >= permits.granted) {
			return { retryAfterMs: permits.retryAfterMs, resetInMs: permits.state.resetInMs };
		}
		this.#handed++;
		let said = false;
		const once = (outcome: "sent" | "unused") => {
			if (said) throw new Error("BatchPermits: a permit's outcome is told once");
			said = true;
			if (outcome === "sent") this.#sent++;
			else this.#unused++;
		};
		return { deadline: permits.deadline, sent: () => once("sent"), unused: () => once("unused") };
	}

	/** Once, at the batch's end: sent ones counted from now, unused and never handed out ones back. */
	async settle(): Promise<void> {
		if (this.#settled) return;
		this.#settled = true;
		// A grant that failed holds nothing to settle.
		const permits = await this.#grant?.catch(() => undefined);
		if (!permits) return;
		const released = permits.granted - this.#handed + this.#unused;
		if (this.#sent + released === 0) return;
		await this.#source.settle(permits, { sent: this.#sent, released });
	}
}

export const isPermit = (taken: BatchPermit | NoPermit): taken is BatchPermit => "deadline" in taken;
