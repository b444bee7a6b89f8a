/**
 * Provider events filed on a MessageShard's records: once per event id; on a
 * final record applied at once (timeline, forward-only status, webhook); on a
 * record still waiting for a partial retry kept pending, and applied after its
 * own final event when it ends (shard-final.ts). And each webhook attempt
 * of a record's events, on its timeline.
 */
import { type AttemptOutcome, attempted } from "./outbox";
import { applyEvent } from "./shard-final";
import { appendEvent, rowOf } from "./shard-rows";
import type { Sql } from "./sql";
import { FINAL_STATUSES, type LinkedEvent } from "./types";

export type Linked = { kind: "new" | "repeat" | "pending"; outbox: string[] } | { kind: "missing" };

export function linkEvent(sql: Sql, ref: string, event: LinkedEvent, now: number): Linked {
	const row = rowOf(sql, ref);
	if (!row) return { kind: "missing" };
	if (sql.one("SELECT 1 AS x FROM provider_events WHERE id = ?", event.id)) return { kind: "repeat", outbox: [] };
	const final = FINAL_STATUSES.includes(row.status);
	sql.run(
		"INSERT INTO provider_events (id, ref, state, event) VALUES (?, ?, ?, ?)",
		event.id,
		ref,
		final ? "applied" : "pending",
		JSON.stringify(event),
	);
	if (!final) return { kind: "pending", outbox: [] };
	return { kind: "new", outbox: applyEvent(sql, ref, event, now) };
}

/** Relay ids the index has confirmed (after a put answered). */
export function markIndexed(sql: Sql, relayIds: readonly string[], now: number): void {
	for (const relayId of relayIds) {
		sql.run("UPDATE relay_ids SET indexed_at = ? WHERE relay_id = ? AND indexed_at IS NULL", now, relayId);
	}
}

/** A settled webhook attempt on its record's timeline (`webhook.attempt`); nothing when nothing was posted. */
export function logAttempt(sql: Sql, id: string, outcome: AttemptOutcome, now: number): void {
	if (!attempted(outcome)) return;
	const row = sql.one<{ stream: string; type: string; attempts: number }>(
		"SELECT stream, type, attempts FROM outbox WHERE id = ?",
		id,
	);
	if (!row || !rowOf(sql, row.stream)) return;
	appendEvent(sql, row.stream, {
		type: "webhook.attempt",
		at: now,
		detail: {
			webhookId: id,
			event: row.type,
			attempt: row.attempts,
			ok: outcome.ok,
			status: outcome.status,
			...(outcome.error === undefined ? {} : { error: outcome.error }),
		},
	});
}
