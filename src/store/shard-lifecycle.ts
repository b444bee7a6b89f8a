/**
 * Every move of a message record, each one transaction in its MessageShard:
 * accept (queued or scheduled), a sync send's final record, claim (a lease
 * on `sending`, conditional on what the record is now, not on what a job read
 * earlier), finish (final, or waiting again after a transient failure),
 * release (a claim given back before anything reached the relay), defer (a
 * job waiting for a permit), cancel and reschedule. Pure functions of the
 * shard's SQL and a clock; the class (message-shard.ts) wraps each in a
 * transaction.
 */
import { announceFinal, announceScheduled } from "./shard-final";
import { addOpen, addRelayId, appendEvent, envelopeOf, type MessageRow, openCount, rowOf } from "./shard-rows";
import { type Sql, toJson } from "./sql";
import { LEASE_MS, MAX_QUEUE_DELAY_MS } from "./timing";
import type { Addresses, Envelope, MessageStatus, RouteName, Tag } from "./types";
import { FINAL_STATUSES, WAITING_STATUSES } from "./types";

/** What every record holds from the start. */
export interface RecordBase {
	ref: string;
	owner: string;
	apiUser: string;
	messageId: string;
	from: string;
	to: string[];
	subject: string;
	labelId: string | null;
	tags: Tag[];
	addresses: Addresses | null;
	createdAt: number;
	/** Whether its events go out as webhooks. */
	publish: boolean;
}

export interface AcceptInput extends RecordBase {
	/** When it is due: now, or its `sendAt`. */
	dueAt: number;
	sendAt: number | null;
	deadlineAt: number;
	envelope: Envelope;
	/** Open records this shard may hold (its share of MAX_BACKLOG). */
	maxOpen: number;
}

export type Accepted =
	| {
			kind: "accepted";
			status: "queued" | "scheduled";
			created: boolean;
			queueNow: boolean;
			/** Outbox ids written (`message.scheduled` of a scheduled send, with webhooks on). */
			outbox: string[];
	  }
	| { kind: "full" };

/**
 * A message to deliver later. Idempotent by ref: a repeat answers the record
 * as it is. `queueNow`: the caller queues a job (due within the queue's
 * longest delay); otherwise the sweep queues it when it comes near.
 */
export function accept(sql: Sql, input: AcceptInput, now: number): Accepted {
	const existing = rowOf(sql, input.ref);
	if (existing) {
		const status = existing.status === "scheduled" ? "scheduled" : "queued";
		return {
			kind: "accepted",
			status,
			created: false,
			queueNow: WAITING_STATUSES.includes(existing.status),
			outbox: [],
		};
	}
	if (openCount(sql) >= input.maxOpen) return { kind: "full" };
	const status = input.dueAt > now ? "scheduled" : "queued";
	const queueNow = input.dueAt - now <= MAX_QUEUE_DELAY_MS;
	insertRow(sql, input, status, {
		sendAt: input.sendAt,
		deadlineAt: input.deadlineAt,
		dueAt: input.dueAt,
		// Queued now: its job is expected when due; not yet queued: the sweep queues it 12 h ahead.
		lookedAt: queueNow ? input.dueAt : input.dueAt - MAX_QUEUE_DELAY_MS,
		envelope: input.envelope,
	});
	addOpen(sql, 1);
	appendEvent(sql, input.ref, {
		type: status,
		at: now,
		...(status === "scheduled" && input.sendAt !== null ? { detail: { sendAt: iso(input.sendAt) } } : {}),
	});
	return {
		kind: "accepted",
		status,
		created: true,
		queueNow,
		outbox: status === "scheduled" ? announceScheduled(sql, input.ref, now) : [],
	};
}

export interface SyncInput extends RecordBase {
	status: "sent" | "failed" | "unknown";
	relayId: string | null;
	route: RouteName | null;
	sentAt: number | null;
	lastError: unknown;
	/** What the timeline's one event says (accepted/rejected, or the problem). */
	detail: unknown;
}

/** A sync send's record, final at once, with its outbox row. Idempotent by ref; answers the outbox ids. */
export function recordSync(sql: Sql, input: SyncInput, now: number): string[] {
	if (rowOf(sql, input.ref)) return [];
	insertRow(sql, input, input.status, {
		sendAt: null,
		deadlineAt: input.createdAt,
		dueAt: null,
		lookedAt: null,
		envelope: null,
		attempts: 1,
		relayId: input.relayId,
		route: input.route,
		sentAt: input.sentAt,
		lastError: input.lastError,
	});
	if (input.relayId) addRelayId(sql, input.ref, input.relayId, now);
	appendEvent(sql, input.ref, { type: input.status, at: now, detail: input.detail });
	return announceFinal(sql, input.ref, now);
}

interface RowFields {
	sendAt: number | null;
	deadlineAt: number;
	dueAt: number | null;
	lookedAt: number | null;
	envelope: Envelope | null;
	attempts?: number;
	relayId?: string | null;
	route?: RouteName | null;
	sentAt?: number | null;
	lastError?: unknown;
}

function insertRow(sql: Sql, base: RecordBase, status: MessageStatus, f: RowFields): void {
	sql.run(
		`INSERT INTO messages (ref, owner, api_user, status, message_id, relay_id, route, from_addr, to_addrs, subject,
		 label_id, tags, addresses, created_at, send_at, sent_at, deadline_at, due_at, looked_at, attempts, last_error,
		 envelope, publish, spooled)
		 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		base.ref,
		base.owner,
		base.apiUser,
		status,
		base.messageId,
		f.relayId ?? null,
		f.route ?? null,
		base.from,
		JSON.stringify(base.to),
		base.subject,
		base.labelId,
		JSON.stringify(base.tags),
		toJson(base.addresses),
		base.createdAt,
		f.sendAt,
		f.sentAt ?? null,
		f.deadlineAt,
		f.dueAt,
		f.lookedAt,
		f.attempts ?? 0,
		toJson(f.lastError),
		toJson(f.envelope),
		base.publish ? 1 : 0,
		f.envelope ? 1 : 0,
	);
	for (const tag of base.tags) {
		sql.run("INSERT INTO message_tags (ref, name, value) VALUES (?, ?, ?)", base.ref, tag.name, tag.value);
	}
}

/** What a claim hands the job: exactly what to deliver now. */
export interface Claimed {
	kind: "claimed";
	token: string;
	/** Recipients to deliver now: the pending ones after a partial 4xx, else the whole envelope. */
	to: string[];
	envelope: Envelope;
	messageId: string;
	subject: string;
	labelId: string | null;
	/** This attempt's number (1 for the first). */
	attempt: number;
	deadlineAt: number;
	/** The record's first relay id, when an earlier attempt reached the relay. */
	relayId: string | null;
	route: RouteName | null;
	leaseUntil: number;
}

export type ClaimResult =
	| Claimed
	| { kind: "wait"; dueAt: number }
	| { kind: "busy"; until: number }
	| { kind: "final"; status: MessageStatus; outbox: string[] }
	| { kind: "missing" };

/**
 * Takes a due waiting record for delivery: `sending` until `now + LEASE_MS`.
 * A record whose lease ran out (its Worker died after claiming: the relay may
 * have it) becomes `unknown` here, as the sweep would make it. Past its 24 h
 * it fails `delivery_expired` here.
 */
export function claim(sql: Sql, ref: string, now: number): ClaimResult {
	const row = rowOf(sql, ref);
	if (!row) return { kind: "missing" };
	if (row.status === "sending") {
		if ((row.lease_until ?? 0) > now) return { kind: "busy", until: row.lease_until ?? now };
		return { kind: "final", status: "unknown", outbox: expireLease(sql, row, now) };
	}
	if (!WAITING_STATUSES.includes(row.status)) return { kind: "final", status: row.status, outbox: [] };
	const dueAt = row.due_at ?? row.created_at;
	if (dueAt > now) {
		// The job is early (a send scheduled past the queue's longest delay): it comes back, expected then.
		const back = Math.min(dueAt, now + MAX_QUEUE_DELAY_MS);
		sql.run("UPDATE messages SET looked_at = ? WHERE ref = ?", back, ref);
		return { kind: "wait", dueAt };
	}
	if (now >= row.deadline_at) {
		const lastError = {
			code: "delivery_expired",
			detail: `not delivered within 24 hours (${row.attempts} attempts)`,
			last: row.last_error === null ? null : JSON.parse(row.last_error),
		};
		return { kind: "final", status: "failed", outbox: finalize(sql, row, "failed", { lastError }, now, lastError) };
	}
	const envelope = envelopeOf(row);
	if (!envelope) throw new Error(`record ${ref} is ${row.status} without an envelope`);
	const token = crypto.randomUUID();
	const leaseUntil = now + LEASE_MS;
	sql.run(
		"UPDATE messages SET status = 'sending', lease_until = ?, claim_token = ? WHERE ref = ?",
		leaseUntil,
		token,
		ref,
	);
	return {
		kind: "claimed",
		token,
		to: row.pending_to ? (JSON.parse(row.pending_to) as string[]) : envelope.to,
		envelope,
		messageId: row.message_id,
		subject: row.subject,
		labelId: row.label_id,
		attempt: row.attempts + 1,
		deadlineAt: row.deadline_at,
		relayId: row.relay_id,
		route: row.route as RouteName | null,
		leaseUntil,
	};
}

/** The lease ran out: nobody knows whether the relay took it. */
export function expireLease(sql: Sql, row: MessageRow, now: number): string[] {
	const lastError = {
		code: "delivery_unknown",
		detail: "the delivery stopped before its outcome was recorded (its Worker ended): the relay may have the message",
	};
	return finalize(sql, row, "unknown", { attempts: row.attempts + 1, lastError }, now, lastError);
}

export type Outcome =
	| {
			kind: "final";
			status: "sent" | "failed" | "unknown";
			relayId?: string;
			route?: RouteName;
			lastError?: unknown;
			/** The timeline event's detail. */
			detail: unknown;
	  }
	| {
			kind: "retry";
			nextAttemptAt: number;
			lastError: unknown;
			relayId?: string;
			route?: RouteName;
			/** After a partial 4xx: only these are still to deliver. */
			pendingTo?: string[];
			detail: unknown;
	  };

export type Finished = { kind: "finished"; outbox: string[]; relayIds: string[] } | { kind: "lost" };

/**
 * The outcome of a claimed attempt, only while the claim is its own (or its
 * lease ran out and nothing else happened since: the real outcome replaces
 * `unknown`). Answers the outbox ids to queue and the relay ids to index.
 */
export function finish(sql: Sql, ref: string, token: string, outcome: Outcome, now: number): Finished {
	const row = rowOf(sql, ref);
	const leaseExpired = row?.status === "unknown" && row.claim_token === token && row.envelope !== null;
	if (!row || row.claim_token !== token || (row.status !== "sending" && !leaseExpired)) return { kind: "lost" };
	const attempts = row.attempts + 1;
	const relayIds: string[] = [];
	if (outcome.relayId) {
		addRelayId(sql, ref, outcome.relayId, now);
		relayIds.push(outcome.relayId);
	}
	const firstRelay = !row.relay_id && outcome.relayId ? { relayId: outcome.relayId } : {};
	const route = outcome.route ? { route: outcome.route } : {};
	if (outcome.kind === "final") {
		if (leaseExpired) addOpen(sql, 1); // finalize counts it out again
		const change = {
			attempts,
			...firstRelay,
			...route,
			...(outcome.status === "sent" ? { sentAt: now } : {}),
			...(outcome.lastError === undefined ? {} : { lastError: outcome.lastError }),
		};
		const outbox = finalize(sql, { ...row, status: "sending" }, outcome.status, change, now, outcome.detail);
		return { kind: "finished", outbox, relayIds };
	}
	if (leaseExpired) return { kind: "lost" }; // already final as unknown; a retry cannot reopen it
	sql.run(
		`UPDATE messages SET status = 'queued', attempts = ?, due_at = ?, looked_at = ?, last_error = ?,
		 lease_until = NULL, claim_token = NULL, relay_id = COALESCE(relay_id, ?), route = COALESCE(?, route),
		 pending_to = COALESCE(?, pending_to) WHERE ref = ?`,
		attempts,
		outcome.nextAttemptAt,
		outcome.nextAttemptAt,
		toJson(outcome.lastError),
		outcome.relayId ?? null,
		outcome.route ?? null,
		toJson(outcome.pendingTo),
		ref,
	);
	appendEvent(sql, ref, {
		type: "attempt_failed",
		at: now,
		detail: { ...(outcome.detail as object), retryAt: iso(outcome.nextAttemptAt) },
	});
	return { kind: "finished", outbox: [], relayIds };
}

interface FinalChange {
	attempts?: number;
	relayId?: string;
	route?: RouteName;
	sentAt?: number;
	lastError?: unknown;
}

/** Makes an open record final (delivery columns cleared, out of the open count) and announces it. */
function finalize(
	sql: Sql,
	row: MessageRow,
	status: MessageStatus,
	change: FinalChange,
	now: number,
	detail: unknown,
): string[] {
	sql.run(
		`UPDATE messages SET status = ?, attempts = COALESCE(?, attempts), relay_id = COALESCE(?, relay_id),
		 route = COALESCE(?, route), sent_at = COALESCE(?, sent_at), last_error = COALESCE(?, last_error),
		 envelope = NULL, pending_to = NULL, due_at = NULL, looked_at = NULL, lease_until = NULL WHERE ref = ?`,
		status,
		change.attempts ?? null,
		change.relayId ?? null,
		change.route ?? null,
		change.sentAt ?? null,
		toJson(change.lastError),
		row.ref,
	);
	if (!FINAL_STATUSES.includes(row.status)) addOpen(sql, -1);
	appendEvent(sql, row.ref, { type: status, at: now, ...(detail === undefined ? {} : { detail }) });
	return announceFinal(sql, row.ref, now);
}

/** A claim given back before anything reached the relay: waiting again, the attempt not counted. */
export function release(sql: Sql, ref: string, token: string, now: number): boolean {
	const row = rowOf(sql, ref);
	if (!row || row.status !== "sending" || row.claim_token !== token) return false;
	// Back as it was before the claim (the same due time); its job comes back now.
	sql.run(
		"UPDATE messages SET status = CASE WHEN due_at > created_at AND attempts = 0 THEN 'scheduled' ELSE 'queued' END, lease_until = NULL, claim_token = NULL, looked_at = ? WHERE ref = ?",
		now,
		ref,
	);
	return true;
}

/** Jobs of these waiting records come back at `until` (a permit wait): the sweep expects them then. */
export function defer(sql: Sql, refs: readonly string[], until: number): void {
	for (const ref of refs) {
		sql.run(
			"UPDATE messages SET looked_at = max(COALESCE(looked_at, 0), ?) WHERE ref = ? AND status IN ('queued', 'scheduled')",
			until,
			ref,
		);
	}
}

export type Canceled =
	| { kind: "canceled"; outbox: string[] }
	| { kind: "not_cancelable"; status: MessageStatus; why: string }
	| { kind: "missing" };

/** Cancels a waiting record that nothing of has reached the relay yet. */
export function cancel(sql: Sql, ref: string, owner: string, now: number): Canceled {
	const row = rowOf(sql, ref);
	if (!row || row.owner !== owner) return { kind: "missing" };
	if (!WAITING_STATUSES.includes(row.status)) {
		return { kind: "not_cancelable", status: row.status, why: "only queued or scheduled messages can be canceled" };
	}
	if (row.relay_id || row.pending_to) {
		return {
			kind: "not_cancelable",
			status: row.status,
			why: "the relay already has it for some recipients; the retry to the others goes on",
		};
	}
	return { kind: "canceled", outbox: finalize(sql, row, "canceled", {}, now, undefined) };
}

export type Rescheduled =
	| { kind: "rescheduled"; status: "queued" | "scheduled"; queueNow: boolean }
	| { kind: "not_reschedulable"; status: MessageStatus }
	| { kind: "missing" };

/** Moves a scheduled send (not yet attempted) to `sendAt`. */
export function reschedule(sql: Sql, ref: string, owner: string, sendAt: number, now: number): Rescheduled {
	const row = rowOf(sql, ref);
	if (!row || row.owner !== owner) return { kind: "missing" };
	if (row.status !== "scheduled" || row.attempts > 0) return { kind: "not_reschedulable", status: row.status };
	const due = Math.max(now, sendAt);
	const status = due > now ? "scheduled" : "queued";
	const queueNow = due - now <= MAX_QUEUE_DELAY_MS;
	const deadline = due + (row.deadline_at - (row.due_at ?? row.created_at));
	sql.run(
		"UPDATE messages SET status = ?, send_at = ?, due_at = ?, looked_at = ?, deadline_at = ? WHERE ref = ?",
		status,
		sendAt,
		due,
		queueNow ? due : due - MAX_QUEUE_DELAY_MS,
		deadline,
		ref,
	);
	appendEvent(sql, ref, { type: "rescheduled", at: now, detail: { sendAt: iso(sendAt) } });
	return { kind: "rescheduled", status, queueNow };
}

const iso = (ms: number) => new Date(ms).toISOString();
