/**
 * Outbound events waiting to be delivered, in the same object (and the same
 * transaction) as the change they announce: a record's final status, a
 * provider event. Each row is a webhook delivery with its attempts; rows of
 * one stream (a message) go out in order. A job names the row; an attempt
 * claims it for ATTEMPT_LEASE_MS (of two jobs for one row only one posts),
 * and only the claim's holder writes the outcome. A row whose job was lost
 * is queued again by the sweep (`dueOutbox`).
 */
import { DELIVERY_WINDOW_MS, retryDelayMs } from "../util/backoff";
import type { Sql } from "./sql";
import { ATTEMPT_LEASE_MS, SWEEP_AFTER_MS, SWEEP_BATCH } from "./timing";
import type { OutboxEvent } from "./types";

export const OUTBOX_SCHEMA = `CREATE TABLE IF NOT EXISTS outbox (
	id TEXT PRIMARY KEY,
	stream TEXT NOT NULL,
	seq INTEGER NOT NULL,
	type TEXT NOT NULL,
	event TEXT NOT NULL,
	status TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	looked_at INTEGER NOT NULL,
	deadline_at INTEGER NOT NULL,
	last_status INTEGER,
	last_attempt_at INTEGER,
	created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_by_stream ON outbox (stream, seq);
CREATE INDEX IF NOT EXISTS outbox_open ON outbox (next_attempt_at) WHERE status IN ('pending', 'sending');`;

/** A delivery as the API and the tests see it. */
export interface OutboxRow {
	id: string;
	stream: string;
	seq: number;
	type: string;
	status: "pending" | "sending" | "delivered" | "failed";
	attempts: number;
	lastStatus: number | null;
	lastAttemptAt: number | null;
}

/** Files an event for delivery (once per id); answers whether it is new. */
export function addOutbox(sql: Sql, id: string, stream: string, event: OutboxEvent, now: number): boolean {
	return (
		sql.run(
			`INSERT INTO outbox (id, stream, seq, type, event, status, next_attempt_at, looked_at, deadline_at, created_at)
			 SELECT ?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM outbox WHERE stream = ?2), ?3, ?4, 'pending', ?5, ?5, ?6, ?5
			 ON CONFLICT DO NOTHING`,
			id,
			stream,
			event.type,
			JSON.stringify(event),
			now,
			now + DELIVERY_WINDOW_MS,
		) > 0
	);
}

export type OutboxClaim =
	| { kind: "done" }
	| { kind: "wait"; dueAt: number }
	| { kind: "claimed"; token: string; event: OutboxEvent; attempt: number };

interface ClaimRow extends Record<string, SqlStorageValue> {
	stream: string;
	seq: number;
	event: string;
	status: string;
	attempts: number;
	next_attempt_at: number;
}

/** One look at a delivery: done, wait (for its time or an earlier event of its stream), or claimed now. */
export function claimOutbox(sql: Sql, id: string, now: number): OutboxClaim {
	const row = sql.one<ClaimRow>(
		"SELECT stream, seq, event, status, attempts, next_attempt_at FROM outbox WHERE id = ?",
		id,
	);
	if (row?.status !== "pending" && row?.status !== "sending") return { kind: "done" };
	// One in flight is about done (its attempt times out long before the lease ends): due now.
	const earlier = sql.one<{ due: number | null }>(
		`SELECT MIN(CASE status WHEN 'sending' THEN ?3 ELSE next_attempt_at END) AS due FROM outbox
		 WHERE stream = ?1 AND seq < ?2 AND status IN ('pending', 'sending')`,
		row.stream,
		row.seq,
		now,
	);
	const wait = (dueAt: number): OutboxClaim => {
		sql.run("UPDATE outbox SET looked_at = ? WHERE id = ?", dueAt, id);
		return { kind: "wait", dueAt };
	};
	if (earlier?.due != null) return wait(Math.max(now, earlier.due) + 1000);
	// Pending and not yet due, or claimed by another attempt whose lease still runs.
	if (row.next_attempt_at > now) return wait(row.next_attempt_at);
	const leaseEnd = now + ATTEMPT_LEASE_MS;
	sql.run(
		"UPDATE outbox SET status = 'sending', next_attempt_at = ?, looked_at = ? WHERE id = ?",
		leaseEnd,
		leaseEnd,
		id,
	);
	return {
		kind: "claimed",
		token: `${row.attempts}:${leaseEnd}`,
		event: JSON.parse(row.event) as OutboxEvent,
		attempt: row.attempts + 1,
	};
}

export type OutboxSettled = { kind: "done" } | { kind: "retry"; dueAt: number } | { kind: "lost" };

/**
 * What became of a claimed attempt: the receiver's answer (`status`, 0 for
 * none, then `error` says why), or, with neither a status nor an error, no
 * attempt at all (`final`: webhooks were turned off since it was filed).
 */
export interface AttemptOutcome {
	ok: boolean;
	status: number;
	/** Give up now (no retry), whatever the deadline. */
	final?: boolean;
	error?: string;
}

/** Whether anything was posted (the outcome carries a status or an error). */
export const attempted = (outcome: AttemptOutcome): boolean =>
	outcome.ok || outcome.status !== 0 || outcome.error !== undefined;

/**
 * The outcome of a claimed attempt: delivered, failed for good (past its
 * 24 h, or `final`), or pending again after the backoff. Written only while
 * the claim is still its own (`lost` otherwise: another attempt took over).
 */
export function settleOutbox(sql: Sql, id: string, token: string, outcome: AttemptOutcome, now: number): OutboxSettled {
	const [claimed, leaseEnd] = token.split(":").map(Number);
	const row = sql.one<{ deadline_at: number }>(
		"SELECT deadline_at FROM outbox WHERE id = ? AND status = 'sending' AND attempts = ? AND next_attempt_at = ?",
		id,
		claimed ?? -1,
		leaseEnd ?? -1,
	);
	if (!row) return { kind: "lost" };
	const attempts = (claimed ?? 0) + 1;
	const next = now + retryDelayMs(attempts);
	const status = outcome.ok ? "delivered" : outcome.final || next > row.deadline_at ? "failed" : "pending";
	sql.run(
		`UPDATE outbox SET status = ?, attempts = ?, last_status = ?, last_attempt_at = ?, next_attempt_at = ?, looked_at = ?
		 WHERE id = ?`,
		status,
		attempts,
		outcome.status,
		now,
		next,
		next,
		id,
	);
	return status === "pending" ? { kind: "retry", dueAt: next } : { kind: "done" };
}

/** Deliveries whose job is late by SWEEP_AFTER_MS: marked looked-at now, answered to be queued again. */
export function dueOutbox(sql: Sql, now: number): string[] {
	const ids = sql
		.all<{ id: string }>(
			`SELECT id FROM outbox WHERE status IN ('pending', 'sending') AND next_attempt_at <= ?1 AND looked_at <= ?1
			 ORDER BY next_attempt_at LIMIT ?2`,
			now - SWEEP_AFTER_MS,
			SWEEP_BATCH,
		)
		.map((r) => r.id);
	for (const id of ids) sql.run("UPDATE outbox SET looked_at = ? WHERE id = ?", now, id);
	return ids;
}

/** When the sweep should next look at the outbox, or undefined when nothing is open. */
export function outboxWakeAt(sql: Sql): number | undefined {
	const row = sql.one<{ at: number | null }>(
		"SELECT MIN(MAX(next_attempt_at, looked_at)) AS at FROM outbox WHERE status IN ('pending', 'sending')",
	);
	return row?.at == null ? undefined : row.at + SWEEP_AFTER_MS;
}

/** Whether any delivery is still open (an object with one is not deleted). */
export const outboxOpen = (sql: Sql): boolean =>
	sql.one("SELECT 1 AS x FROM outbox WHERE status IN ('pending', 'sending') LIMIT 1") !== undefined;

/** Settled deliveries created before `before`, deleted. */
export function purgeOutbox(sql: Sql, before: number): number {
	return sql.run("DELETE FROM outbox WHERE status IN ('delivered', 'failed') AND created_at < ?", before);
}

export function outboxOf(sql: Sql, stream: string): OutboxRow[] {
	return sql
		.all<{
			id: string;
			stream: string;
			seq: number;
			type: string;
			status: OutboxRow["status"];
			attempts: number;
			last_status: number | null;
			last_attempt_at: number | null;
		}>(
			"SELECT id, stream, seq, type, status, attempts, last_status, last_attempt_at FROM outbox WHERE stream = ? ORDER BY seq",
			stream,
		)
		.map((r) => ({
			id: r.id,
			stream: r.stream,
			seq: r.seq,
			type: r.type,
			status: r.status,
			attempts: r.attempts,
			lastStatus: r.last_status,
			lastAttemptAt: r.last_attempt_at,
		}));
}

/** A delivery whose job the queue gave up on: due for the sweep's next look. */
export function handBackOutbox(sql: Sql, id: string, now: number): void {
	sql.run(
		"UPDATE outbox SET looked_at = ? WHERE id = ? AND status IN ('pending', 'sending')",
		now - SWEEP_AFTER_MS,
		id,
	);
}
