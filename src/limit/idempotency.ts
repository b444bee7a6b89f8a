/**
 * The idempotency Durable Object: one per `${caller}:${key}`, holding a single
 * record — the request's fingerprint, and once answered, the answer to replay
 * for 24 h. One object per key (not one per caller) keeps a busy caller's keys
 * from queueing behind each other in one object, and lets an expired key delete
 * its whole object.
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
	| { state: "new" }
	| { state: "in_flight" }
	| { state: "mismatch" }
	| { state: "replay"; response: StoredResponse };

/** How long an answer is replayed. */
export const REPLAY_MS = 24 * 60 * 60 * 1000;
/** How long an unanswered first attempt holds the key: a worker that died must not block it forever. */
export const LEASE_MS = 2 * 60 * 1000;
/** Largest body kept (a stored row must stay well under SQLite's 2 MB value limit). */
export const MAX_BODY_CHARS = 512 * 1024;

interface StoredRecord {
	fingerprint: string;
	state: "in_flight" | "done";
	expiresAt: number;
	response?: StoredResponse;
}

interface Row extends Record<string, SqlStorageValue> {
	fingerprint: string;
	state: string;
	expires_at: number;
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
		if (record && record.fingerprint !== fingerprint) return { state: "mismatch" };
		if (record?.state === "done" && record.response) return { state: "replay", response: record.response };
		if (record) return { state: "in_flight" };
		await this.#save({ fingerprint, state: "in_flight", expiresAt: now + LEASE_MS });
		return { state: "new" };
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
		if (record && (record.fingerprint !== fingerprint || record.state === "done")) return;
		const { status, headers, body } = response;
		await this.#save({ fingerprint, state: "done", expiresAt: now + REPLAY_MS, response: { status, headers, body } });
	}

	/** Frees the key when the first attempt produced nothing worth replaying (its own in-flight claim only). */
	async abandon(fingerprint: string): Promise<void> {
		checkFingerprint("abandon", fingerprint);
		const record = this.#load(this.#now());
		if (record?.state === "in_flight" && record.fingerprint === fingerprint) await this.#clear();
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

	/** The live record, or undefined when there is none or it has expired. */
	#load(now: number): StoredRecord | undefined {
		const row = this.#sql().exec<Row>("SELECT fingerprint, state, expires_at, response FROM record").toArray()[0];
		if (!row || row.expires_at <= now) return undefined;
		return {
			fingerprint: row.fingerprint,
			state: row.state === "done" ? "done" : "in_flight",
			expiresAt: row.expires_at,
			response: row.response === null ? undefined : (JSON.parse(row.response) as StoredResponse),
		};
	}

	async #save(record: StoredRecord): Promise<void> {
		this.#sql().exec(
			`INSERT INTO record (id, fingerprint, state, expires_at, response) VALUES (1, ?, ?, ?, ?)
			ON CONFLICT(id) DO UPDATE SET fingerprint = excluded.fingerprint, state = excluded.state,
				expires_at = excluded.expires_at, response = excluded.response`,
			record.fingerprint,
			record.state,
			record.expiresAt,
			record.response ? JSON.stringify(record.response) : null,
		);
		await this.#storage.setAlarm(record.expiresAt);
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
				response TEXT
			)`);
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
