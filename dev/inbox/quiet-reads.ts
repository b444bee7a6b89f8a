/**
 * Keeps the inbox's own reads of the worker out of `npm run dev`'s output.
 * The inbox asks for `GET /v1/messages` every second while a page is open,
 * and each read would print two lines: the worker's JSON request log (found
 * by the request id the inbox gives it) and wrangler's own request line
 * (which names no id: one is hidden per read, and one such line is as good
 * as another).
 */
import { stripVTControlCharacters } from "node:util";

/** The start of the `X-Request-Id` of every inbox read (the worker keeps a caller's plain id). */
export const INBOX_READ_ID = "dev-inbox-read";

const WRANGLER_LIST_LINE = /^\[wrangler:info\] GET \/v1\/messages \d{3}\b/;

export class QuietReads {
	/** Reads that reached the worker whose wrangler line has not been seen yet. */
	private unseen = 0;

	/** A read is about to be sent. */
	sent(): void {
		this.unseen++;
	}

	/** A read never reached the worker (refused, worker restarting): no line will come for it. */
	unreached(): void {
		this.unseen = Math.max(0, this.unseen - 1);
	}

	/** Whether `line`, of wrangler's output, is one of the inbox's reads and is not to be shown. */
	hides(line: string): boolean {
		const plain = stripVTControlCharacters(line);
		if (plain.includes(`"requestId":"${INBOX_READ_ID}`)) return true;
		if (this.unseen > 0 && WRANGLER_LIST_LINE.test(plain)) {
			this.unseen--;
			return true;
		}
		return false;
	}
}
