/**
 * The RelayIndex Durable Object (binding RELAY_INDEX), 32 of them by a hash
 * of the relay id (relay-index-name.ts): which record a relay id belongs to,
 * for the provider's callbacks, which name only the relay's id. An event
 * whose relay id is not known yet (the callback came before the record was
 * written, or the record never will be) is held here; when the record's relay
 * id is put, the held events go to the record (its shard files them); one
 * still unclaimed after HOLD_MS goes out with `ref: null` from this object's
 * own outbox. The same objects remember callback signatures (the provider's
 * signature covers only a timestamp, so each is bound to its first body).
 */
import { DurableObject } from "cloudflare:workers";
import { type DueJob, type QueueJob, sendJobs } from "./jobs";
import {
	type AttemptOutcome,
	addOutbox,
	claimOutbox,
	dueOutbox,
	handBackOutbox,
	OUTBOX_SCHEMA,
	type OutboxClaim,
	type OutboxSettled,
	outboxWakeAt,
	purgeOutbox,
	settleOutbox,
} from "./outbox";
import { Sql } from "./sql";
import { HOLD_MS, retentionMs, SWEEP_BATCH } from "./timing";
import type { LinkedEvent, OutboxEvent } from "./types";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS relay_refs (relay_id TEXT PRIMARY KEY, ref TEXT NOT NULL, added_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS relay_refs_by_age ON relay_refs (added_at);
-- state: held (waiting for its record), attached (handed to ref), published (went out with ref null),
-- published_attached (went out unmatched, then its record came: on the timeline, no second webhook)
CREATE TABLE IF NOT EXISTS held (
	id TEXT PRIMARY KEY,
	relay_id TEXT NOT NULL,
	event TEXT NOT NULL,
	received_at INTEGER NOT NULL,
	state TEXT NOT NULL,
	ref TEXT,
	publish INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS held_by_relay ON held (relay_id);
CREATE INDEX IF NOT EXISTS held_waiting ON held (received_at) WHERE state = 'held';
CREATE TABLE IF NOT EXISTS signatures (signature TEXT PRIMARY KEY, body_sha256 TEXT NOT NULL, seen_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS signatures_by_age ON signatures (seen_at);
${OUTBOX_SCHEMA}`;

/** How long a callback signature is remembered (the provider's timestamps are good for 5 minutes). */
const SIGNATURE_MEMORY_MS = 3_600_000;

export type Routed = { kind: "known"; ref: string } | { kind: "held"; fresh: boolean };

export interface IndexEnv {
	SEND_QUEUE?: Queue<QueueJob>;
	MESSAGE_RETENTION_DAYS?: string;
}

export class RelayIndex extends DurableObject<IndexEnv> {
	readonly #sql: Sql;
	#alarmAt: number | null = null;

	constructor(ctx: DurableObjectState, env: IndexEnv) {
		super(ctx, env);
		this.#sql = new Sql(ctx.storage.sql);
		ctx.blockConcurrencyWhile(async () => {
			ctx.storage.sql.exec(SCHEMA);
			this.#alarmAt = await ctx.storage.getAlarm();
		});
	}

	/**
	 * Relay ids of records: kept, and answered with the events held for each
	 * (now handed to that record; a published one without its webhook type, as
	 * it already went out). Idempotent: a second put answers the same events.
	 */
	put(entries: { relayId: string; ref: string }[], now: number): Record<string, LinkedEvent[]> {
		const out: Record<string, LinkedEvent[]> = {};
		this.ctx.storage.transactionSync(() => {
			for (const { relayId, ref } of entries) {
				this.#sql.run(
					"INSERT INTO relay_refs (relay_id, ref, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
					relayId,
					ref,
					now,
				);
				this.#sql.run(
					`UPDATE held SET ref = ?1, state = CASE state WHEN 'published' THEN 'published_attached' ELSE 'attached' END
					 WHERE relay_id = ?2 AND ref IS NULL`,
					ref,
					relayId,
				);
				const rows = this.#sql.all<{ event: string; state: string }>(
					"SELECT event, state FROM held WHERE relay_id = ? AND ref = ? ORDER BY received_at, rowid",
					relayId,
					ref,
				);
				if (rows.length) out[relayId] = rows.map(({ event, state }) => heldEvent(event, state));
			}
		});
		return out;
	}

	/**
	 * A provider event: its record's ref when the relay id is known; else held
	 * (once per event id) until the record comes or HOLD_MS passes.
	 */
	route(event: LinkedEvent, publish: boolean, now: number): Routed {
		const known = this.#sql.one<{ ref: string }>("SELECT ref FROM relay_refs WHERE relay_id = ?", event.relayId);
		if (known) return { kind: "known", ref: known.ref };
		const fresh =
			this.#sql.run(
				`INSERT INTO held (id, relay_id, event, received_at, state, publish) VALUES (?, ?, ?, ?, 'held', ?)
				 ON CONFLICT DO NOTHING`,
				event.id,
				event.relayId,
				JSON.stringify(event),
				now,
				publish ? 1 : 0,
			) > 0;
		this.#wakeBy(now + HOLD_MS);
		return { kind: "held", fresh };
	}

	/** Binds a callback signature to the SHA-256 of its body: `conflict` when it came before with another body. */
	bindSignature(signature: string, bodySha256: string, now: number): "new" | "same" | "conflict" {
		const seen = this.#sql.one<{ body_sha256: string }>(
			"SELECT body_sha256 FROM signatures WHERE signature = ? AND seen_at > ?",
			signature,
			now - SIGNATURE_MEMORY_MS,
		);
		if (seen) return seen.body_sha256 === bodySha256 ? "same" : "conflict";
		this.#sql.run(
			"INSERT INTO signatures (signature, body_sha256, seen_at) VALUES (?, ?, ?) ON CONFLICT(signature) DO UPDATE SET body_sha256 = excluded.body_sha256, seen_at = excluded.seen_at",
			signature,
			bodySha256,
			now,
		);
		this.#wakeBy(now + SIGNATURE_MEMORY_MS);
		return "new";
	}

	claimDelivery(id: string, now: number): OutboxClaim {
		return this.ctx.storage.transactionSync(() => claimOutbox(this.#sql, id, now));
	}

	settleDelivery(id: string, token: string, outcome: AttemptOutcome, now: number): OutboxSettled {
		const settled = this.ctx.storage.transactionSync(() => settleOutbox(this.#sql, id, token, outcome, now));
		const wake = outboxWakeAt(this.#sql);
		if (wake !== undefined) this.#wakeBy(wake);
		return settled;
	}

	/** A delivery whose job the queue gave up on: due for the sweep's next look. */
	handBack(id: string, now: number): void {
		this.ctx.storage.transactionSync(() => handBackOutbox(this.#sql, id, now));
		this.#wakeBy(now);
	}

	/** The state of a held event (tests, and the callback route's answer). */
	heldState(id: string): string | undefined {
		return this.#sql.one<{ state: string }>("SELECT state FROM held WHERE id = ?", id)?.state;
	}

	/**
	 * Held events past HOLD_MS go out with `ref: null` (when their callback
	 * asked for webhooks), webhook jobs whose job was lost are queued again,
	 * old rows leave. Answers the jobs.
	 */
	sweep(now: number): { jobs: DueJob[]; published: number } {
		const name = this.ctx.id.name ?? "";
		return this.ctx.storage.transactionSync(() => {
			const due = this.#sql.all<{ id: string; event: string; publish: number }>(
				`SELECT id, event, publish FROM held WHERE state = 'held' AND received_at <= ? ORDER BY received_at LIMIT ${SWEEP_BATCH}`,
				now - HOLD_MS,
			);
			const ids: string[] = [];
			for (const row of due) {
				this.#sql.run("UPDATE held SET state = 'published' WHERE id = ?", row.id);
				const event = JSON.parse(row.event) as LinkedEvent;
				if (row.publish && event.webhook && addOutbox(this.#sql, row.id, event.relayId, unmatched(event), now)) {
					ids.push(row.id);
				}
			}
			ids.push(...dueOutbox(this.#sql, now));
			this.#sql.run("DELETE FROM signatures WHERE seen_at <= ?", now - SIGNATURE_MEMORY_MS);
			this.#sql.run("DELETE FROM relay_refs WHERE added_at < ?", now - this.#retention());
			this.#sql.run("DELETE FROM held WHERE received_at < ?", now - this.#retention());
			purgeOutbox(this.#sql, now - this.#retention());
			const jobs = ids.map((id) => ({ job: { kind: "webhook" as const, object: name, id }, delaySeconds: 0 }));
			return { jobs, published: due.length };
		});
	}

	override async alarm(): Promise<void> {
		this.#alarmAt = null;
		const now = Date.now();
		const { jobs } = this.sweep(now);
		if (jobs.length && this.env.SEND_QUEUE) await sendJobs(this.env.SEND_QUEUE, jobs);
		const held = this.#sql.one<{ at: number | null }>(
			"SELECT MIN(received_at) AS at FROM held WHERE state = 'held'",
		)?.at;
		const oldest = this.#sql.one<{ at: number | null }>(
			"SELECT MIN(at) AS at FROM (SELECT MIN(seen_at) + ?1 AS at FROM signatures UNION ALL SELECT MIN(added_at) + ?2 FROM relay_refs)",
			SIGNATURE_MEMORY_MS,
			this.#retention(),
		)?.at;
		const times = [held == null ? null : held + HOLD_MS, outboxWakeAt(this.#sql), oldest].filter(
			(t): t is number => typeof t === "number",
		);
		if (times.length) this.#wakeBy(Math.max(now + 1000, Math.min(...times)));
	}

	#retention(): number {
		return retentionMs(this.env.MESSAGE_RETENTION_DAYS);
	}

	#wakeBy(at: number): void {
		if (this.#alarmAt !== null && this.#alarmAt <= at) return;
		// Never in the real past (a caller's clock may lag): the alarm sweeps with the real one.
		this.#alarmAt = Math.max(at, Date.now() + 1000);
		void this.ctx.storage.setAlarm(this.#alarmAt);
	}
}

/** A held event as it goes to its record: without its webhook once it went out unmatched. */
function heldEvent(text: string, state: string): LinkedEvent {
	const event = JSON.parse(text) as LinkedEvent;
	if (state !== "published_attached") return event;
	const { webhook: _sent, ...rest } = event;
	return rest;
}

const unmatched = (event: LinkedEvent): OutboxEvent => ({
	type: event.webhook ?? "",
	at: event.at,
	ref: null,
	messageId: null,
	relayId: event.relayId,
	to: event.recipient,
	detail: event.detail,
	from: null,
	subject: null,
	tags: [],
	route: null,
	email: null,
});
