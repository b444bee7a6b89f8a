/**
 * Keeps the dev runner's own requests to the worker out of `npm run dev`'s
 * output: the inbox's reads of the records (every second while a page is
 * open) and the readiness probe at start. Each would print two lines: the
 * worker's JSON request log (found by the request id the runner gives it)
 * and wrangler's own request line (which names no id: one is hidden per
 * request that reached the worker, and one such line is as good as another).
 */
export class QuietRequests {
	/** Requests that reached the worker whose wrangler line has not been seen yet. */
	private unseen = 0;
	private count = 0;
	private readonly idPrefix: string;
	private readonly wranglerLine: RegExp;

	/**
	 * `idPrefix` starts the `X-Request-Id` of each request (the worker keeps
	 * a caller's plain id); `wranglerLine` matches wrangler's line for one.
	 */
	constructor(idPrefix: string, wranglerLine: RegExp) {
		this.idPrefix = idPrefix;
		this.wranglerLine = wranglerLine;
	}

	/** A request is about to be sent: the `X-Request-Id` to give it. */
	sent(): string {
		this.unseen++;
		return `${this.idPrefix}-${++this.count}`;
	}

	/** A request never reached the worker (refused, worker restarting): no line will come for it. */
	unreached(): void {
		this.unseen = Math.max(0, this.unseen - 1);
	}

	/** Whether `plain` (a line of wrangler's output, colours removed) is one of these requests'. */
	hides(plain: string): boolean {
		if (plain.includes(`"requestId":"${this.idPrefix}-`)) return true;
		if (this.unseen > 0 && this.wranglerLine.test(plain)) {
			this.unseen--;
			return true;
		}
		return false;
	}
}
