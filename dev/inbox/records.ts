/**
 * edgesend's own view of the messages, for the inbox: the newest message
 * records (`GET /v1/messages?limit=100`, read with the dev API key), polled
 * once a second while a page is watching, so each message's ref and status
 * (queued, sent, delivered, bounced…) update live. The page matches them to
 * the relay's outbox by relay id; records without one have not reached the
 * relay. Emits "change" only when what the worker answered changed.
 */
import { EventEmitter } from "node:events";
import { QuietRequests } from "../quiet-requests.ts";

/**
 * The fields of a record (as `GET /v1/messages` shows it) that the page
 * uses. A copy of part of the worker's own MessageRecord (src/rpc/types.ts),
 * which this Node code cannot import: src/ is typed for workerd, with
 * extensionless imports.
 */
export interface WorkerRecord {
	ref: string;
	status: string;
	relayId: string | null;
	from: string;
	to: string[];
	subject: string;
	createdAt: string;
	sendAt: string | null;
	sentAt: string | null;
	lastError: unknown;
}

export interface RecordsSnapshot {
	/** Whether the worker's last answer was a list of records. */
	ok: boolean;
	/** Newest first; the last good list when the worker's latest answer was not one. */
	records: WorkerRecord[];
	/** Why there are no statuses right now. */
	error?: string;
}

const POLL_MS = 1000;
/** wrangler's line for one of these reads (the worker's own log line carries the read's request id). */
const READ_LINE = /^\[wrangler:info\] GET \/v1\/messages \d{3}\b/;
const READ_TIMEOUT_MS = 5000;
const PAGE_SIZE = 100;

export class WorkerRecords extends EventEmitter<{ change: [RecordsSnapshot] }> {
	snapshot: RecordsSnapshot = { ok: false, records: [], error: "the worker is starting" };
	private worker?: { url: string; apiKey: string };
	/** The reads, for `npm run dev` to keep out of its output. */
	readonly quiet = new QuietRequests("dev-inbox-read", READ_LINE);
	private watchers = 0;
	private looping = false;
	private closed = false;
	private wake?: () => void;

	/** The worker is up: read from it from now on. */
	connect(url: string, apiKey: string): void {
		this.worker = { url, apiKey };
		this.wake?.();
	}

	/** Polls while at least one watcher is left; answers the call that ends this one's watch. */
	watch(): () => void {
		this.watchers++;
		void this.loop();
		let watching = true;
		return () => {
			if (watching) this.watchers--;
			watching = false;
		};
	}

	close(): void {
		this.closed = true;
		this.wake?.();
	}

	private async loop(): Promise<void> {
		if (this.looping) return;
		this.looping = true;
		while (this.watchers > 0 && !this.closed) {
			await this.read();
			await new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, POLL_MS);
				this.wake = () => {
					clearTimeout(timer);
					resolve();
				};
			});
		}
		this.looping = false;
	}

	private async read(): Promise<void> {
		if (!this.worker) return;
		const { url, apiKey } = this.worker;
		const requestId = this.quiet.sent();
		let next: RecordsSnapshot;
		try {
			const res = await fetch(`${url}/v1/messages?limit=${PAGE_SIZE}`, {
				headers: { authorization: `Bearer ${apiKey}`, "x-request-id": requestId },
				signal: AbortSignal.timeout(READ_TIMEOUT_MS),
			});
			const body = (await res.json().catch(() => null)) as { messages?: WorkerRecord[]; detail?: string } | null;
			const answered = `GET /v1/messages answered ${res.status}${body?.detail ? `: ${body.detail}` : ""}`;
			next = Array.isArray(body?.messages)
				? { ok: true, records: body.messages }
				: { ...this.stale(), error: answered };
		} catch (error) {
			// A timed-out read did reach the worker, which logs it when it answers.
			if (!(error instanceof Error && error.name === "TimeoutError")) this.quiet.unreached();
			next = { ...this.stale(), error: "the worker does not answer" };
		}
		this.update(next);
	}

	private stale(): RecordsSnapshot {
		return { ok: false, records: this.snapshot.records };
	}

	private update(next: RecordsSnapshot): void {
		if (JSON.stringify(next) === JSON.stringify(this.snapshot)) return;
		this.snapshot = next;
		this.emit("change", next);
	}
}
