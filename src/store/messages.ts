/**
 * The message records in D1: create, move status (only from the statuses a
 * move allows, so two writers never both win), append events, look up by ref
 * (scoped to its owner) or by the relay's id. Every function takes the D1
 * handle; nothing here knows HTTP or SMTP. Below the send path (src/send/),
 * the queue consumer (src/records/) and the delivery events (src/events/),
 * so none reaches sideways into another for it.
 */
import { placeholders } from "../util/sql";
import type { Addresses, Envelope, MessageEvent, MessageRecord, MessageStatus, RouteName, Tag } from "./types";

export interface NewRecord {
	ref: string;
	owner: string;
	apiUser: string;
	status: MessageStatus;
	messageId: string;
	from: string;
	to: string[];
	subject: string;
	labelId?: string;
	createdAt: number;
	sendAt?: number;
	deadlineAt: number;
	envelope?: Envelope;
	spoolKey?: string;
	/** Final records written in one go (sync sends). */
	relayId?: string;
	route?: RouteName;
	sentAt?: number;
	attempts?: number;
	lastError?: unknown;
	tags?: Tag[];
	addresses?: Addresses;
}

interface Row {
	ref: string;
	owner: string;
	api_user: string;
	status: MessageStatus;
	message_id: string;
	relay_id: string | null;
	route: RouteName | null;
	from_addr: string;
	to_addrs: string;
	subject: string;
	label_id: string | null;
	created_at: number;
	send_at: number | null;
	sent_at: number | null;
	deadline_at: number;
	next_attempt_at: number | null;
	attempts: number;
	last_error: string | null;
	envelope: string | null;
	spool_key: string | null;
	pending_to: string | null;
	tags: string | null;
	addresses: string | null;
}

const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));
const parsed = <T>(s: string | null): T | null => (s === null ? null : (JSON.parse(s) as T));

const fromRow = (r: Row): MessageRecord => ({
	ref: r.ref,
	owner: r.owner,
	apiUser: r.api_user,
	status: r.status,
	messageId: r.message_id,
	relayId: r.relay_id,
	route: r.route ?? null,
	from: r.from_addr,
	to: JSON.parse(r.to_addrs) as string[],
	subject: r.subject,
	labelId: r.label_id,
	createdAt: r.created_at,
	sendAt: r.send_at,
	sentAt: r.sent_at,
	deadlineAt: r.deadline_at,
	nextAttemptAt: r.next_attempt_at,
	attempts: r.attempts,
	lastError: parsed(r.last_error),
	envelope: parsed<Envelope>(r.envelope),
	spoolKey: r.spool_key,
	pendingTo: parsed<string[]>(r.pending_to),
	tags: parsed<Tag[]>(r.tags) ?? [],
	addresses: parsed<Addresses>(r.addresses),
});

/** The INSERT for a record (a statement, so callers can batch it with its first event). */
export function insertRecord(db: D1Database, r: NewRecord): D1PreparedStatement {
	return db
		.prepare(
			`INSERT INTO messages (ref, owner, api_user, status, message_id, relay_id, from_addr, to_addrs, subject,
			 label_id, created_at, send_at, sent_at, deadline_at, next_attempt_at, attempts, last_error, envelope, spool_key,
			 tags, addresses, route)
			 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		)
		.bind(
			r.ref,
			r.owner,
			r.apiUser,
			r.status,
			r.messageId,
			r.relayId ?? null,
			r.from,
			JSON.stringify(r.to),
			r.subject,
			r.labelId ?? null,
			r.createdAt,
			r.sendAt ?? null,
			r.sentAt ?? null,
			r.deadlineAt,
			r.sendAt ?? null,
			r.attempts ?? 0,
			json(r.lastError),
			json(r.envelope),
			r.spoolKey ?? null,
			r.tags?.length ? JSON.stringify(r.tags) : null,
			json(r.addresses),
			r.route ?? null,
		);
}

/** The INSERT for an event; `seq` follows the record's last one. */
export function eventStatement(db: D1Database, ref: string, event: MessageEvent): D1PreparedStatement {
	return db
		.prepare(
			`INSERT INTO message_events (ref, seq, type, at, detail)
			 VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM message_events WHERE ref = ?1), ?2, ?3, ?4)`,
		)
		.bind(ref, event.type, event.at, json(event.detail));
}

/** Creates a record and its first event. */
export async function createRecord(db: D1Database, record: NewRecord, event: MessageEvent): Promise<void> {
	await db.batch([insertRecord(db, record), eventStatement(db, record.ref, event)]);
}

/** Appends one event to a record. */
export async function appendEvent(db: D1Database, ref: string, event: MessageEvent): Promise<void> {
	await eventStatement(db, ref, event).run();
}

/** What a status move may also set. `null` clears a column. */
export interface StatusChange {
	relayId?: string;
	route?: RouteName;
	sentAt?: number;
	nextAttemptAt?: number | null;
	attempts?: number;
	lastError?: unknown;
	pendingTo?: string[] | null;
	/** Final: the delivery-only columns (envelope, spool key, pending recipients) are cleared. */
	final?: boolean;
}

/**
 * Moves `ref` to `status` if it is in one of `from`, with its event.
 * Returns false (and writes nothing) when the record was not in `from`.
 */
export async function moveStatus(
	db: D1Database,
	ref: string,
	from: readonly MessageStatus[],
	status: MessageStatus,
	change: StatusChange = {},
	event?: MessageEvent,
): Promise<boolean> {
	const sets = ["status = ?"];
	const values: unknown[] = [status];
	const set = (column: string, value: unknown) => {
		sets.push(`${column} = ?`);
		values.push(value);
	};
	if (change.relayId !== undefined) set("relay_id", change.relayId);
	if (change.route !== undefined) set("route", change.route);
	if (change.sentAt !== undefined) set("sent_at", change.sentAt);
	if (change.nextAttemptAt !== undefined) set("next_attempt_at", change.nextAttemptAt);
	if (change.attempts !== undefined) set("attempts", change.attempts);
	if (change.lastError !== undefined) set("last_error", json(change.lastError));
	if (change.pendingTo !== undefined) set("pending_to", json(change.pendingTo));
	if (change.final) sets.push("envelope = NULL", "spool_key = NULL", "pending_to = NULL", "next_attempt_at = NULL");
	const update = db
		.prepare(`UPDATE messages SET ${sets.join(", ")} WHERE ref = ? AND status IN (${placeholders(from)})`)
		.bind(...values, ref, ...from);
	if (!event) return (await update.run()).meta.changes === 1;
	return updateLogged(db, update, ref, event);
}

/** Runs `update` (of one record) and writes `event` only if it changed the record; whether it did. */
async function updateLogged(
	db: D1Database,
	update: D1PreparedStatement,
	ref: string,
	event: MessageEvent,
): Promise<boolean> {
	// The INSERT reads the changes() the UPDATE left.
	const logged = db
		.prepare(
			`INSERT INTO message_events (ref, seq, type, at, detail)
			 SELECT ?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM message_events WHERE ref = ?1), ?2, ?3, ?4
			 WHERE changes() = 1`,
		)
		.bind(ref, event.type, event.at, json(event.detail));
	const [moved] = await db.batch([update, logged]);
	return moved?.meta.changes === 1;
}

/**
 * Moves a waiting record's delivery to `sendAt` (scheduled; its 24 h window
 * counted from then), with its event; false when it no longer waits.
 */
export async function reschedule(
	db: D1Database,
	ref: string,
	sendAt: number,
	deadlineAt: number,
	event: MessageEvent,
): Promise<boolean> {
	const update = db
		.prepare(
			`UPDATE messages SET status = 'scheduled', send_at = ?1, next_attempt_at = ?1, deadline_at = ?2
			 WHERE ref = ?3 AND status IN ('queued', 'scheduled')`,
		)
		.bind(sendAt, deadlineAt, ref);
	return updateLogged(db, update, ref, event);
}

/** One record, if `owner` owns it (undefined owner: any, for the consumer). */
export async function getRecord(db: D1Database, ref: string, owner?: string): Promise<MessageRecord | undefined> {
	const row =
		owner === undefined
			? await db.prepare("SELECT * FROM messages WHERE ref = ?").bind(ref).first<Row>()
			: await db.prepare("SELECT * FROM messages WHERE ref = ? AND owner = ?").bind(ref, owner).first<Row>();
	return row ? fromRow(row) : undefined;
}

/** The record the relay's id belongs to, its first or a later one (for provider events). */
export async function findByRelayId(db: D1Database, relayId: string): Promise<MessageRecord | undefined> {
	const row = await db
		.prepare(
			`SELECT * FROM messages WHERE relay_id = ?1
			 UNION ALL SELECT m.* FROM message_relay_ids x JOIN messages m ON m.ref = x.ref WHERE x.relay_id = ?1
			 LIMIT 1`,
		)
		.bind(relayId)
		.first<Row>();
	return row ? fromRow(row) : undefined;
}

/** Files a relay id past the record's first: a retry to the recipients the relay refused for now. */
export async function addRelayId(db: D1Database, ref: string, relayId: string): Promise<void> {
	await db
		.prepare("INSERT INTO message_relay_ids (relay_id, ref) VALUES (?, ?) ON CONFLICT DO NOTHING")
		.bind(relayId, ref)
		.run();
}

/** Every relay id of a record, its first one first. */
export async function relayIdsOf(db: D1Database, record: Pick<MessageRecord, "ref" | "relayId">): Promise<string[]> {
	if (!record.relayId) return [];
	const { results } = await db
		.prepare("SELECT relay_id FROM message_relay_ids WHERE ref = ? ORDER BY rowid")
		.bind(record.ref)
		.all<{ relay_id: string }>();
	// addRelayId files only ids other than the first.
	return [record.relayId, ...results.map((r) => r.relay_id)];
}

/** A record's events, oldest first. */
export async function listEvents(db: D1Database, ref: string): Promise<MessageEvent[]> {
	const { results } = await db
		.prepare("SELECT type, at, detail FROM message_events WHERE ref = ? ORDER BY seq")
		.bind(ref)
		.all<{ type: string; at: number; detail: string | null }>();
	return results.map((e) => ({
		type: e.type,
		at: e.at,
		...(e.detail === null ? {} : { detail: JSON.parse(e.detail) }),
	}));
}

/** Where a page ends: the last record's createdAt and ref. */
export interface Cursor {
	createdAt: number;
	ref: string;
}

export interface ListOptions {
	status?: MessageStatus;
	/** Only records with this tag (name and value). */
	tag?: Tag;
	limit: number;
	/** Older than this record (the next page). */
	after?: Cursor;
	/** Newer than this record (the page before), still answered newest first. */
	before?: Cursor;
}

/** The owner's records, newest first, `limit` at a time after (or before) a cursor. */
export async function listRecords(db: D1Database, owner: string, options: ListOptions): Promise<MessageRecord[]> {
	const where = ["owner = ?"];
	const values: unknown[] = [owner];
	if (options.status) {
		where.push("status = ?");
		values.push(options.status);
	}
	if (options.tag) {
		where.push(
			"EXISTS (SELECT 1 FROM json_each(messages.tags) t WHERE json_extract(t.value, '$.name') = ? AND json_extract(t.value, '$.value') = ?)",
		);
		values.push(options.tag.name, options.tag.value);
	}
	const cursor = options.after ?? options.before;
	if (cursor) {
		const side = options.after ? "<" : ">";
		where.push(`(created_at ${side} ? OR (created_at = ? AND ref ${side} ?))`);
		values.push(cursor.createdAt, cursor.createdAt, cursor.ref);
	}
	// The page before a cursor is the nearest records above it: read upwards, then shown newest first.
	const order = options.after || !options.before ? "DESC" : "ASC";
	const { results } = await db
		.prepare(`SELECT * FROM messages WHERE ${where.join(" AND ")} ORDER BY created_at ${order}, ref ${order} LIMIT ?`)
		.bind(...values, options.limit)
		.all<Row>();
	const records = results.map(fromRow);
	return order === "ASC" ? records.reverse() : records;
}

/** How many of the api_user's messages still wait for delivery (the backlog cap counts these). */
export async function backlogOf(db: D1Database, apiUser: string): Promise<number> {
	const row = await db
		.prepare("SELECT COUNT(*) AS n FROM messages WHERE api_user = ? AND status IN ('queued', 'scheduled', 'sending')")
		.bind(apiUser)
		.first<{ n: number }>();
	return row?.n ?? 0;
}
