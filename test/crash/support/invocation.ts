/**
 * A Worker invocation as the crash test plays it (a request, a queue batch):
 * it can die, as a killed Worker does, after which none of its calls answers;
 * the calls it had already made still reach their objects (a request on the
 * wire lands). And the ExecutionContext it is handed, which keeps what it
 * leaves running after its answer (waitUntil).
 */

/** What a dead invocation's calls answer: nothing, ever. */
export const never = <T>(): Promise<T> => new Promise<T>(() => {});

/**
 * One invocation: alive until `die`; `landed` waits for the calls it made
 * before. `now`: the clock its object calls carry (their trailing `now`
 * argument), when the code reads the real one but the run's clock is ahead.
 */
export class Invocation {
	constructor(readonly now?: () => number) {}

	readonly #inFlight = new Set<Promise<unknown>>();
	#dead = false;
	#die: () => void = () => {};
	/** Settles when the invocation dies (never, for one that lives). */
	readonly died = new Promise<"died">((resolve) => {
		this.#die = () => resolve("died");
	});

	get dead(): boolean {
		return this.#dead;
	}

	die(): void {
		this.#dead = true;
		this.#die();
	}

	/** A call made to a real object, bucket or queue. */
	track<T>(call: Promise<T>): Promise<T> {
		const settled = call.then(
			() => {},
			() => {},
		);
		this.#inFlight.add(settled);
		void settled.then(() => this.#inFlight.delete(settled));
		return call;
	}

	/** Once every call it made has reached its object (or failed there). */
	async landed(): Promise<void> {
		while (this.#inFlight.size) await Promise.all(this.#inFlight);
	}
}

/** An ExecutionContext that keeps what the invocation hands to waitUntil. */
export class Background {
	readonly #work: Promise<unknown>[] = [];
	readonly props = {};

	waitUntil(promise: Promise<unknown>): void {
		this.#work.push(promise.catch(() => {}));
	}

	passThroughOnException(): void {}

	async settled(): Promise<void> {
		for (let i = 0; i < this.#work.length; i++) await this.#work[i];
	}

	get context(): ExecutionContext {
		return this as unknown as ExecutionContext;
	}
}
