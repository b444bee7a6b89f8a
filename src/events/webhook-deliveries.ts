/**
 * Outbound event webhooks with retries, in order per message: each event is
 * a row in `webhook_deliveries` (migrations/0002_webhooks.sql) and a
 * `{kind: "webhook", id}` job on the queue. An attempt POSTs it signed
 * (outbound.ts); a failure is retried on the sends' backoff (util/backoff.ts:
 * about 30 s later, doubling up to an hour), until 24 h after the event. A delivery waits while an earlier one of
 * the same stream (the message) is still pending, so a receiver sees a
 * message's events in the order they happened.
 *
 * Each attempt is claimed before it posts: a conditional UPDATE, from
 * exactly the state the attempt read, marks the delivery `sending` with
 * next_attempt_at at the end of a lease. Of two jobs for one delivery (a
 * queue redelivery while an attempt runs) only one posts; the other comes
 * back when the lease ends, and takes the delivery up again if the first
 * never wrote its outcome (its Worker died mid-attempt). A later event of
 * the stream waits only a second behind one in flight, not the whole lease.
 */
import { DELIVERY_WINDOW_MS, retryDelayMs } from "../util/backoff";
import { ATTEMPT_TIMEOUT_MS, type Attempt, deliverEvent, type WebhookFormat } from "./outbound";
import type { OutboundEvent } from "./standard-webhooks";

/** How long a claimed attempt holds its delivery: well past the receiver's timeout and the writes after it. */
export const ATTEMPT_LEASE_MS = 6 * ATTEMPT_TIMEOUT_MS;

export interface WebhookJob {
	kind: "webhook";
	id: string;
}

export interface NewDelivery {
	/** The event's webhook-id: the same on every attempt. */
	id: string;
	/** What orders deliveries: the record's ref, or the relay id. */
	stream: string;
	ref: string | null;
	event: OutboundEvent;
	/**
	 * A provider event no record had claimed (held-events.ts): stored only while
	 * it is still unattached, in the same statement, so a record that attached it
	 * meanwhile publishes it with its ref instead.
	 */
	onlyWhileUnattached?: boolean;
}

/** What to do with the job: done, or look again at `dueAt`. */
export type Next = ({ done: true } | { done: false; dueAt: number }) & {
	/** Set when an attempt was made now: its outcome, and what it was for. */
	attempt?: Attempt & { ref: string | null; type: string; number: number };
};

export interface DeliveryRow {
	id: string;
	stream: string;
	seq: number;
	ref: string | null;
	type: string;
	/** `sending`: an attempt has claimed it, until next_attempt_at (the lease's end). */
	status: "pending" | "sending" | "delivered" | "failed";
	attempts: number;
	last_status: number | null;
	last_attempt_at: number | null;
}

/** Stores a delivery (once per id); answers whether it is new. */
export async function addDelivery(db: D1Database, d: NewDelivery, nowMs: number): Promise<boolean> {
	const result = await db
		.prepare(
			`INSERT INTO webhook_deliveries (id, stream, seq, ref, type, payload, status, next_attempt_at, deadline_at, created_at)
			 SELECT ?1, ?2, (SELECT COALESCE(MAX(seq), 0) + 1 FROM webhook_deliveries WHERE stream = ?2), ?3, ?4, ?5, 'pending', ?6, ?7, ?6
			 WHERE ?8 = 0 OR EXISTS (SELECT 1 FROM provider_events WHERE id = ?1 AND ref IS NULL)
			 ON CONFLICT DO NOTHING`,
		)
		.bind(
			d.id,
			d.stream,
			d.ref,
			d.event.type,
			JSON.stringify(d.event),
			nowMs,
			nowMs + DELIVERY_WINDOW_MS,
			d.onlyWhileUnattached ? 1 : 0,
		)
		.run();
	return result.meta.changes > 0;
}

export async function deliveriesOf(db: D1Database, stream: string): Promise<DeliveryRow[]> {
	const { results } = await db
		.prepare(
			"SELECT id, stream, seq, ref, type, status, attempts, last_status, last_attempt_at FROM webhook_deliveries WHERE stream = ? ORDER BY seq",
		)
		.bind(stream)
		.all<DeliveryRow>();
	return results;
}

export interface Target {
	url: string;
	secret: Uint8Array;
	/** EVENTS_WEBHOOK_FORMAT; ours when absent. */
	format?: WebhookFormat;
}

/** One look at a delivery job: wait for earlier ones, for its time, or attempt it now. */
export async function attemptDelivery(db: D1Database, target: Target, id: string, nowMs: number): Promise<Next> {
	const row = await db
		.prepare(
			"SELECT stream, seq, ref, type, payload, status, attempts, next_attempt_at, deadline_at FROM webhook_deliveries WHERE id = ?",
		)
		.bind(id)
		.first<{
			stream: string;
			seq: number;
			ref: string | null;
			type: string;
			payload: string;
			status: string;
			attempts: number;
			next_attempt_at: number;
			deadline_at: number;
		}>();
	if (row?.status !== "pending" && row?.status !== "sending") return { done: true };
	// One in flight is about done (its attempt times out long before the lease ends): due now.
	const earlier = await db
		.prepare(
			"SELECT MIN(CASE status WHEN 'sending' THEN ?3 ELSE next_attempt_at END) AS due FROM webhook_deliveries WHERE stream = ?1 AND seq < ?2 AND status IN ('pending', 'sending')",
		)
		.bind(row.stream, row.seq, nowMs)
		.first<{ due: number | null }>();
	// Behind an earlier event of the same message: look again just after it is due.
	if (earlier?.due != null) return { done: false, dueAt: Math.max(nowMs, earlier.due) + 1000 };
	if (row.next_attempt_at > nowMs) return { done: false, dueAt: row.next_attempt_at };
	const leaseEnd = nowMs + ATTEMPT_LEASE_MS;
	const claimed = await db
		.prepare(
			"UPDATE webhook_deliveries SET status = 'sending', next_attempt_at = ? WHERE id = ? AND status = ? AND attempts = ? AND next_attempt_at = ?",
		)
		.bind(leaseEnd, id, row.status, row.attempts, row.next_attempt_at)
		.run();
	// Another job claimed it first (or finished it): look again once its lease would be over.
	if (claimed.meta.changes === 0) return { done: false, dueAt: leaseEnd };
	const outcome = await deliverEvent(
		target.url,
		target.secret,
		id,
		JSON.parse(row.payload) as OutboundEvent,
		nowMs,
		target.format,
	);
	const attempts = row.attempts + 1;
	const attempt = { ...outcome, ref: row.ref, type: row.type, number: attempts };
	const next = nowMs + retryDelayMs(attempts);
	const status = outcome.ok ? "delivered" : next > row.deadline_at ? "failed" : "pending";
	const written = await db
		.prepare(
			"UPDATE webhook_deliveries SET status = ?, attempts = ?, last_status = ?, last_attempt_at = ?, next_attempt_at = ? WHERE id = ? AND status = 'sending' AND attempts = ? AND next_attempt_at = ?",
		)
		.bind(status, attempts, outcome.status, nowMs, next, id, row.attempts, leaseEnd)
		.run();
	// The lease ran out while posting and another attempt took over: its outcome stands; look again now.
	if (written.meta.changes === 0) return { done: false, dueAt: nowMs, attempt };
	return status === "pending" ? { done: false, dueAt: next, attempt } : { done: true, attempt };
}
