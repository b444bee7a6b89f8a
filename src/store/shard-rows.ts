/**
 * The tables of a MessageShard (message-shard.ts) and how a row becomes a
 * MessageRecord. One shard holds the records of one UTC day and one of its
 * 32 shards (ref.ts), with everything that belongs to them: their timeline,
 * tags, relay ids, the provider events filed on them, and their outbox.
 */
import { OUTBOX_SCHEMA } from "./outbox";
import { fromJson, type Sql } from "./sql";
import type {
	Addresses,
	Envelope,
	JsonObject,
	MessageEvent,
	MessageRecord,
	MessageStatus,
	RouteName,
	Tag,
} from "./types";

export const SHARD_SCHEMA = `
CREATE TABLE IF NOT EXISTS messages (
	ref TEXT PRIMARY KEY,
	owner TEXT NOT NULL,
	api_user TEXT NOT NULL,
	status TEXT NOT NULL,
	message_id TEXT NOT NULL,
	relay_id TEXT,
	route TEXT,
	from_addr TEXT NOT NULL,
	to_addrs TEXT NOT NULL,
	subject TEXT NOT NULL,
	label_id TEXT,
	tags TEXT NOT NULL DEFAULT '[]',
	addresses TEXT,
	created_at INTEGER NOT NULL,
	send_at INTEGER,
	sent_at INTEGER,
	deadline_at INTEGER NOT NULL,
	-- waiting: when the next attempt is due, and when a job was last expected (the sweep compares)
	due_at INTEGER,
	looked_at INTEGER,
	-- sending: the claim
	lease_until INTEGER,
	claim_token TEXT,
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error TEXT,
	-- until final: what delivery needs
	envelope TEXT,
	pending_to TEXT,
	-- whether its events go out as webhooks (the accepting request's settings)
	publish INTEGER NOT NULL DEFAULT 0,
	-- 1 while R2 may hold its bytes (async sends), until the sweep or the consumer deleted them
	spooled INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS messages_by_owner ON messages (owner, created_at DESC, ref DESC);
CREATE INDEX IF NOT EXISTS messages_waiting ON messages (due_at) WHERE status IN ('queued', 'scheduled');
CREATE INDEX IF NOT EXISTS messages_sending ON messages (lease_until) WHERE status = 'sending';
CREATE INDEX IF NOT EXISTS messages_spooled ON messages (ref) WHERE spooled = 1 AND envelope IS NULL;
CREATE TABLE IF NOT EXISTS message_events (
	ref TEXT NOT NULL,
	seq INTEGER NOT NULL,
	type TEXT NOT NULL,
	at INTEGER NOT NULL,
	detail TEXT,
	PRIMARY KEY (ref, seq)
);
CREATE TABLE IF NOT EXISTS message_tags (
	ref TEXT NOT NULL,
	name TEXT NOT NULL,
	value TEXT NOT NULL,
	PRIMARY KEY (ref, name)
);
CREATE INDEX IF NOT EXISTS message_tags_by_tag ON message_tags (name, value);
-- every relay id of a record (a partial retry is a message of its own at the relay); indexed_at NULL
-- until RELAY_INDEX has confirmed it
CREATE TABLE IF NOT EXISTS relay_ids (
	relay_id TEXT PRIMARY KEY,
	ref TEXT NOT NULL,
	added_at INTEGER NOT NULL,
	indexed_at INTEGER
);
CREATE INDEX IF NOT EXISTS relay_ids_by_ref ON relay_ids (ref);
CREATE INDEX IF NOT EXISTS relay_ids_unindexed ON relay_ids (added_at) WHERE indexed_at IS NULL;
-- provider events filed on a record: applied, or pending until the record is final
CREATE TABLE IF NOT EXISTS provider_events (
	id TEXT PRIMARY KEY,
	ref TEXT NOT NULL,
	state TEXT NOT NULL,
	event TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS provider_events_pending ON provider_events (ref) WHERE state = 'pending';
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
${OUTBOX_SCHEMA}`;

export interface MessageRow extends Record<string, SqlStorageValue> {
	ref: string;
	owner: string;
	api_user: string;
	status: MessageStatus;
	message_id: string;
	relay_id: string | null;
	route: string | null;
	from_addr: string;
	to_addrs: string;
	subject: string;
	label_id: string | null;
	tags: string;
	addresses: string | null;
	created_at: number;
	send_at: number | null;
	sent_at: number | null;
	deadline_at: number;
	due_at: number | null;
	looked_at: number | null;
	lease_until: number | null;
	claim_token: string | null;
	attempts: number;
	last_error: string | null;
	envelope: string | null;
	pending_to: string | null;
	publish: number;
	spooled: number;
}

export const envelopeOf = (row: MessageRow): Envelope | null => fromJson<Envelope>(row.envelope);

/** A row as the record model; `relayIds` read from its table. */
export function recordOf(sql: Sql, row: MessageRow): MessageRecord {
	const relayIds = sql
		.all<{ relay_id: string }>("SELECT relay_id FROM relay_ids WHERE ref = ? ORDER BY added_at, rowid", row.ref)
		.map((r) => r.relay_id);
	return {
		ref: row.ref,
		owner: row.owner,
		apiUser: row.api_user,
		status: row.status,
		messageId: row.message_id,
		relayId: row.relay_id,
		relayIds,
		route: row.route as RouteName | null,
		from: row.from_addr,
		to: JSON.parse(row.to_addrs) as string[],
		subject: row.subject,
		labelId: row.label_id,
		tags: JSON.parse(row.tags) as Tag[],
		addresses: fromJson<Addresses>(row.addresses),
		createdAt: row.created_at,
		sendAt: row.send_at,
		sentAt: row.sent_at,
		deadlineAt: row.deadline_at,
		nextAttemptAt: row.status === "queued" || row.status === "scheduled" ? row.due_at : null,
		attempts: row.attempts,
		lastError: fromJson<JsonObject>(row.last_error),
		pendingTo: fromJson<string[]>(row.pending_to),
	};
}

export const rowOf = (sql: Sql, ref: string): MessageRow | undefined =>
	sql.one<MessageRow>("SELECT * FROM messages WHERE ref = ?", ref);

/** Appends an event to a record's timeline (`detail`: any JSON object). */
export function appendEvent(sql: Sql, ref: string, event: { type: string; at: number; detail?: unknown }): void {
	sql.run(
		`INSERT INTO message_events (ref, seq, type, at, detail)
		 VALUES (?1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM message_events WHERE ref = ?1), ?2, ?3, ?4)`,
		ref,
		event.type,
		event.at,
		event.detail === undefined ? null : JSON.stringify(event.detail),
	);
}

export function eventsOf(sql: Sql, ref: string): MessageEvent[] {
	return sql
		.all<{ type: string; at: number; detail: string | null }>(
			"SELECT type, at, detail FROM message_events WHERE ref = ? ORDER BY seq",
			ref,
		)
		.map((e) => ({ type: e.type, at: e.at, ...(e.detail === null ? {} : { detail: JSON.parse(e.detail) }) }));
}

/** Files a relay id of a record (not yet confirmed by the index). */
export function addRelayId(sql: Sql, ref: string, relayId: string, now: number): void {
	sql.run("INSERT INTO relay_ids (relay_id, ref, added_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", relayId, ref, now);
}

/** The shard's count of open (waiting or sending) records: the backlog cap reads it, no COUNT(*). */
export function openCount(sql: Sql): number {
	return sql.one<{ value: number }>("SELECT value FROM meta WHERE key = 'open'")?.value ?? 0;
}

export function addOpen(sql: Sql, delta: number): void {
	sql.run(
		"INSERT INTO meta (key, value) VALUES ('open', max(0, ?1)) ON CONFLICT(key) DO UPDATE SET value = max(0, value + ?1)",
		delta,
	);
}
