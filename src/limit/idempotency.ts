/**
 * The idempotency Durable Object: one per `${caller}:${key}`, holding a single
 * record — the request's fingerprint, whether its delivery began, and once
 * answered, the answer to replay for 24 h (its body split across rows, so an
 * answer of any size the routes produce is kept). One object per key (not one
 * per caller) keeps a busy caller's keys from queueing behind each other in
 * one object, and lets an expired key delete its whole object.
 *
 * Never sending twice: a request renews its lease while it runs; once it has
 * begun delivering, a lease that runs out (its worker died) turns the key into
 * "unknown" for 24 h, never into "new".
 */
import { DurableObject } from "cloudflare:workers";
import { type Clock, checkClock } from "./clock.ts";

/** The first answer, kept to be replayed. */
export interface StoredResponse {
	status: number;
	headers: Record<string, string>;
	body: string;
}

export type BeginResult =
	/**
	 * Go ahead. `since`: when this key was first begun with this request (kept
	 * 24 h, also after an attempt that gave up), so a retry can name the same
	 * messages the first attempt may have queued (send/accept.ts derives refs).
	 */
	| { state: "new"; since: number }
	| { state: "in_flight" }
	| { state: "mismatch" }
	/** The first attempt began delivering and then vanished: it may have been sent. */
	| { state: "unknown" }
	| { state: "replay"; response: StoredResponse };

/** How long an answer is replayed. */
export const REPLAY_MS = 24 * 60 * 60 * 1000;
/** How long an unanswered first attempt holds the key: a worker that died must not block it forever. */
export const LEASE_MS = 2 * 60 * 1000;
/**
 * Largest body kept: far above what a route can produce (100 messages × 100
 * recipients of 320 characters is ~3.3 MB), and small enough for one RPC call.
 */
export const MAX_BODY_CHARS = 16 * 1024 * 1024;
/** Characters per stored row: at most 768 KiB of UTF-8, well under SQLite's 2 MB value limit. */
const CHUNK_CHARS = 256 * 1024;

interface StoredRecord {
	fingerprint: string;
	/** `free`: no request holds the key; only `since` is remembered for the same request's retry. */
	state: "in_flight" | "done" | "unknown" | "free";
	expiresAt: number;
	/** When the key was first begun with this fingerprint. */
	since: number;
	/** Delivery began (in flight only). */
	sending: boolean;
	response?: StoredResponse;
}

interface Row extends Record<string, SqlStorageValue> {
	fingerprint: string;
	state: string;
	expires_at: number;
	since: number | null;
	sending: number;
	response: string | null;
}

export class IdempotencyStore extends DurableObject {
	readonly #storage: DurableObjectStorage;
	#now: Clock = Date.now;
	#schemaReady = false;

	constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
		super(ctx, env);
		this.#storage = ctx.storage;
	}

	/**
	 * Claims the key for a request: `new` (go ahead), `in_flight` (the first is
	 * still running: 409), `mismatch` (same key, different request: 422), or
	 * `replay` with the first answer.
	 */
	async begin(fingerprint: string): Promise<BeginResult> {
		checkFingerprint("begin", fingerprint);
		const now = this.#now();
		const record = this.#load(now);
		if (record && record.state !== "free" && record.fingerprint !== fingerprint) return { state: "mismatch" };
		if (record?.state === "done" && record.response) return { state: "replay", response: record.response };
		if (record?.state === "unknown") return { state: "unknown" };
		if (record && record.state !== "free") return { state: "in_flight" };
		const since = record?.fingerprint === fingerprint ? record.since : now;
		await this.#save({ fingerprint, state: "in_flight", expiresAt: now + LEASE_MS, sending: false, since });
		return { state: "new", since };
	}

	/** Extends the lease of a request still running; false when the key is no longer its own. */
	async renew(fingerprint: string): Promise<boolean> {
		checkFingerprint("renew", fingerprint);
		const now = this.#now();
		const record = this.#load(now);
		if (record?.state !== "in_flight" || record.fingerprint !== fingerprint) return false;
		await this.#save({ ...record, expiresAt: now + LEASE_MS });
		return true;
	}

	/** The request began delivering: from now on its lease running out means "unknown", not "new". */
	async markSending(fingerprint: string): Promise<void> {
		checkFingerprint("markSending", fingerprint);
		const now = this.#now();
		const record = this.#load(now);
		if (record?.state === "in_flight" && record.fingerprint === fingerprint) {
			await this.#save({ ...record, sending: true, expiresAt: now + LEASE_MS });
		}
	}

	/**
	 * Keeps the answer for 24 h. The first answer wins: a second `complete` for
	 * the same request changes nothing. Also stores it when the lease ran out
	 * unclaimed, since the request did run. When another request took the key
	 * after the lease ran out, its claim stands and this answer is not kept:
	 * failing here would only turn a delivered message into an error.
	 */
	async complete(fingerprint: string, response: StoredResponse): Promise<void> {
		checkFingerprint("complete", fingerprint);
		checkResponse(response);
		const now = this.#now();
		const record = this.#load(now);
		if (record && record.state !== "free" && (record.fingerprint !== fingerprint || record.state === "done")) return;
		const { status, headers, body } = response;
		await this.#save({
			fingerprint,
			state: "done",
			expiresAt: now + REPLAY_MS,
			sending: false,
			since: record?.fingerprint === fingerprint ? record.since : now,
			response: { status, headers, body },
		});
	}

	/**
	 * The first attempt produced nothing worth replaying (its own in-flight
	 * claim only). `nothingSent`: its answer says nothing went out, so the key
	 * is freed. Otherwise a claim whose delivery began becomes "unknown".
	 */
	async abandon(fingerprint: string, nothingSent = false): Promise<void> {
		checkFingerprint("abandon", fingerprint);
		const now = this.#now();
		const record = this.#load(now);
		if (record?.state !== "in_flight" || record.fingerprint !== fingerprint) return;
		if (record.sending && !nothingSent) {
			await this.#save({ ...record, state: "unknown", sending: false, expiresAt: now + REPLAY_MS });
		} else await this.#save({ ...record, state: "free", sending: false, expiresAt: record.since + REPLAY_MS });
	}

	/** Deletes the record (and with it the object) once expired; otherwise waits for its expiry. */
	override async alarm(): Promise<void> {
		const record = this.#load(this.#now());
		if (record) await this.#storage.setAlarm(record.expiresAt);
		else await this.#clear();
	}

	/** Test seam: read time from `clock` instead of `Date.now` (call through `runInDurableObject`). */
	setClock(clock: Clock): void {
		this.#now = checkClock(clock);
	}

	/**
	 * The live record, or undefined when there is none or it has expired. An
	 * expired lease whose delivery had begun is not gone: it becomes "unknown".
	 */
	#load(now: number): StoredRecord | undefined {
		const sql = this.#sql();
		const row = sql
			.exec<Row>("SELECT fingerprint, state, expires_at, sending, since, response FROM record")
			.toArray()[0];
		if (!row) return undefined;
		const state = row.state === "done" || row.state === "unknown" || row.state === "free" ? row.state : "in_flight";
		const since = row.since ?? row.expires_at;
		if (row.expires_at <= now) {
			if (state !== "in_flight") return undefined;
			// A first attempt that vanished: "unknown" once it had begun delivering, else free (its `since` kept).
			const next: StoredRecord = row.sending
				? { fingerprint: row.fingerprint, state: "unknown", expiresAt: now + REPLAY_MS, sending: false, since }
				: { fingerprint: row.fingerprint, state: "free", expiresAt: since + REPLAY_MS, sending: false, since };
			if (next.expiresAt <= now) return undefined;
			this.#write(next);
			return next;
		}
		// A record written before bodies were split keeps its body inside `response`.
		const meta = row.response === null ? undefined : (JSON.parse(row.response) as Partial<StoredResponse>);
		const chunks = meta ? sql.exec<{ text: string }>("SELECT text FROM body_chunk ORDER BY seq").toArray() : [];
		const body = chunks.length ? chunks.map((c) => c.text).join("") : (meta?.body ?? "");
		return {
			fingerprint: row.fingerprint,
			state,
			expiresAt: row.expires_at,
			sending: row.sending === 1,
			since,
			...(meta ? { response: { status: meta.status as number, headers: meta.headers ?? {}, body } } : {}),
		};
	}

	async #save(record: StoredRecord): Promise<void> {
		this.#write(record);
		await this.#storage.setAlarm(record.expiresAt);
	}

	/** Writes the record and its body chunks in one transaction (the alarm follows in #save / alarm()). */
	#write(record: StoredRecord): void {
		const sql = this.#sql();
		this.#storage.transactionSync(() => {
			const { body, ...meta } = record.response ?? { body: "" };
			sql.exec(
				`INSERT INTO record (id, fingerprint, state, expires_at, sending, since, response) VALUES (1, ?, ?, ?, ?, ?, ?)
				ON CONFLICT(id) DO UPDATE SET fingerprint = excluded.fingerprint, state = excluded.state,
					expires_at = excluded.expires_at, sending = excluded.sending, since = excluded.since,
					response = excluded.response`,
				record.fingerprint,
				record.state,
				record.expiresAt,
				record.sending ? 1 : 0,
				record.since,
				record.response ? JSON.stringify(meta) : null,
			);
			sql.exec("DELETE FROM body_chunk");
			if (!record.response) return;
			for (let seq = 0; seq * CHUNK_CHARS < body.length; seq++) {
				sql.exec(
					"INSERT INTO body_chunk (seq, text) VALUES (?, ?)",
					seq,
					body.slice(seq * CHUNK_CHARS, (seq + 1) * CHUNK_CHARS),
				);
			}
		});
	}

	/** Drops the record, its alarm and the table: an object with no storage left ceases to exist. */
	async #clear(): Promise<void> {
		await this.#storage.deleteAll();
		this.#schemaReady = false;
	}

	/** The table, created on first use and again after deleteAll() dropped it. */
	#sql(): SqlStorage {
		const sql = this.#storage.sql;
		if (!this.#schemaReady) {
			sql.exec(`CREATE TABLE IF NOT EXISTS record (
				id INTEGER PRIMARY KEY CHECK (id = 1),
				fingerprint TEXT NOT NULL,
				state TEXT NOT NULL,
				expires_at INTEGER NOT NULL,
				sending INTEGER NOT NULL DEFAULT 0,
				since INTEGER,
				response TEXT
			)`);
			sql.exec("CREATE TABLE IF NOT EXISTS body_chunk (seq INTEGER PRIMARY KEY, text TEXT NOT NULL)");
			// Objects created before `sending` existed get the column (SQLite has no ADD COLUMN IF NOT EXISTS).
			const columns = sql.exec<{ name: string }>("PRAGMA table_info(record)").toArray();
			if (!columns.some((c) => c.name === "sending")) {
				sql.exec("ALTER TABLE record ADD COLUMN sending INTEGER NOT NULL DEFAULT 0");
			}
			if (!columns.some((c) => c.name === "since")) sql.exec("ALTER TABLE record ADD COLUMN since INTEGER");
			this.#schemaReady = true;
		}
		return sql;
	}
}

function checkFingerprint(method: string, fingerprint: unknown): asserts fingerprint is string {
	if (typeof fingerprint !== "string" || fingerprint.length === 0 || fingerprint.length > 512) {
		throw new TypeError(`${method}: fingerprint must be a non-empty string of at most 512 characters`);
	}
}

function checkResponse(response: unknown): asserts response is StoredResponse {
	const r = response as Partial<StoredResponse> | null;
	if (typeof r !== "object" || r === null) throw new TypeError("complete: response must be an object");
	if (!Number.isInteger(r.status) || (r.status as number) < 100 || (r.status as number) > 599) {
		throw new RangeError(`complete: response.status must be an HTTP status from 100 to 599, got ${String(r.status)}`);
	}
	if (typeof r.headers !== "object" || r.headers === null) {
		throw new TypeError("complete: response.headers must be an object of strings");
	}
	for (const [name, value] of Object.entries(r.headers)) {
		if (typeof value !== "string")
			throw new TypeError(`complete: response.headers[${JSON.stringify(name)}] must be a string`);
	}
	if (typeof r.body !== "string") throw new TypeError("complete: response.body must be a string");
	if (r.body.length > MAX_BODY_CHARS) {
		throw new RangeError(`complete: response.body is longer than ${MAX_BODY_CHARS} characters`);
	}
}
