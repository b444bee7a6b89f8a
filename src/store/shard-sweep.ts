/**
 * What a MessageShard's alarm finds to do, in one transaction: jobs that
 * must have been lost (a waiting record whose job is SWEEP_AFTER_MS late, or
 * a send scheduled past the queue's longest delay that is now near), claims
 * whose lease ran out (`unknown`), webhook deliveries whose job is late,
 * relay ids the index has not confirmed, spooled bytes of final records, and
 * records past retention. The class does the I/O (queue, index, R2) with the
 * answer, so this part stays a pure function of SQL and a clock.
 */

import { type DueJob, delayFor } from "./jobs";
import { dueOutbox, outboxOpen, outboxWakeAt, purgeOutbox } from "./outbox";
import { DAY_MS, dayOf } from "./ref";
import { expireLease } from "./shard-lifecycle";
import type { MessageRow } from "./shard-rows";
import type { Sql } from "./sql";
import { INDEX_RECHECK_MS, SWEEP_AFTER_MS, SWEEP_BATCH } from "./timing";

export interface SweepFound {
	/** Send jobs to queue (with their delay) and webhook jobs for this shard's outbox. */
	sendJobs: DueJob[];
	webhookIds: string[];
	/** Claims whose lease ran out, now `unknown`. */
	expired: number;
	/** Relay ids to put in the index again. */
	unindexed: { relayId: string; ref: string }[];
	/** R2 keys of final records' bytes. */
	spoolRefs: string[];
	/** Records deleted past retention. */
	deleted: number;
}

const WAITING = "status IN ('queued', 'scheduled')";

/**
 * A waiting record's job is expected at `looked_at`. One never queued (a send
 * due more than 12 h ahead: looked_at is 12 h before it is due) is queued as
 * soon as that moment comes; one queued is taken for lost SWEEP_AFTER_MS after.
 */
const LOST_JOB = `${WAITING} AND looked_at <= ?1 AND (looked_at < due_at OR looked_at <= ?1 - ${SWEEP_AFTER_MS})`;

export function sweepShard(sql: Sql, now: number, retentionMs: number): SweepFound {
	const found: SweepFound = { sendJobs: [], webhookIds: [], expired: 0, unindexed: [], spoolRefs: [], deleted: 0 };
	const lost = sql.all<{ ref: string; due_at: number }>(
		`SELECT ref, due_at FROM messages WHERE ${LOST_JOB} ORDER BY looked_at LIMIT ${SWEEP_BATCH}`,
		now,
	);
	for (const { ref, due_at } of lost) {
		sql.run("UPDATE messages SET looked_at = ? WHERE ref = ?", Math.max(now, due_at), ref);
		found.sendJobs.push({ job: { kind: "send", ref }, delaySeconds: delayFor(due_at, now) });
	}
	const leases = sql.all<MessageRow>(
		`SELECT * FROM messages WHERE status = 'sending' AND lease_until <= ? LIMIT ${SWEEP_BATCH}`,
		now,
	);
	for (const row of leases) found.webhookIds.push(...expireLease(sql, row, now));
	found.expired = leases.length;
	found.webhookIds.push(...dueOutbox(sql, now));
	found.unindexed = sql.all<{ relayId: string; ref: string }>(
		`SELECT relay_id AS relayId, ref FROM relay_ids WHERE indexed_at IS NULL AND added_at <= ? LIMIT ${SWEEP_BATCH}`,
		now - INDEX_RECHECK_MS,
	);
	found.spoolRefs = sql
		.all<{ ref: string }>(`SELECT ref FROM messages WHERE spooled = 1 AND envelope IS NULL LIMIT ${SWEEP_BATCH}`)
		.map((r) => r.ref);
	found.deleted = deleteExpired(sql, now - retentionMs);
	return found;
}

/** Final records created before `cutoff`, with everything of theirs; never an open one. */
function deleteExpired(sql: Sql, cutoff: number): number {
	const refs = sql
		.all<{ ref: string }>(
			`SELECT ref FROM messages WHERE created_at < ? AND status NOT IN ('queued', 'scheduled', 'sending')
			 AND spooled = 0 LIMIT ${SWEEP_BATCH}`,
			cutoff,
		)
		.map((r) => r.ref);
	for (const ref of refs) {
		for (const table of ["message_events", "message_tags", "relay_ids", "provider_events"]) {
			sql.run(`DELETE FROM ${table} WHERE ref = ?`, ref);
		}
		sql.run("DELETE FROM messages WHERE ref = ?", ref);
	}
	purgeOutbox(sql, cutoff);
	return refs.length;
}

/** When the alarm should come next, or undefined when this shard has nothing left to watch. */
export function nextShardWake(sql: Sql, now: number, retentionMs: number): number | undefined {
	const waiting = sql.one<{ at: number | null }>(
		`SELECT MIN(CASE WHEN looked_at < due_at THEN looked_at ELSE looked_at + ${SWEEP_AFTER_MS} END) AS at
		 FROM messages WHERE ${WAITING}`,
	)?.at;
	const lease = sql.one<{ at: number | null }>(
		"SELECT MIN(lease_until) AS at FROM messages WHERE status = 'sending'",
	)?.at;
	const index = sql.one<{ at: number | null }>(
		"SELECT MIN(added_at) AS at FROM relay_ids WHERE indexed_at IS NULL",
	)?.at;
	const spool = sql.one("SELECT 1 AS x FROM messages WHERE spooled = 1 AND envelope IS NULL LIMIT 1");
	const oldest = sql.one<{ at: number | null }>("SELECT MIN(created_at) AS at FROM messages")?.at;
	const times = [
		waiting,
		lease,
		outboxWakeAt(sql),
		index == null ? null : index + INDEX_RECHECK_MS,
		spool ? now + INDEX_RECHECK_MS : null,
		// Retention: whole days go together (a shard holds one day).
		oldest == null ? null : (dayOf(oldest) + 1) * DAY_MS + retentionMs,
	].filter((t): t is number => typeof t === "number");
	return times.length ? Math.max(now + 1000, Math.min(...times)) : undefined;
}

/** Nothing left at all: the object may delete itself. */
export const shardEmpty = (sql: Sql): boolean =>
	sql.one("SELECT 1 AS x FROM messages LIMIT 1") === undefined && !outboxOpen(sql);
