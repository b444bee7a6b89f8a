/**
 * Reading a MessageShard: one record with its timeline (scoped to its owner),
 * and a page of an owner's records, newest first (or, after a cursor, oldest
 * first), filtered by status or tag.
 * Listing across shards merges these pages (messages-list.ts).
 */
import { eventsOf, type MessageRow, recordOf } from "./shard-rows";
import type { Sql } from "./sql";
import type { MessageEvent, MessageRecord, MessageStatus, Tag } from "./types";

/** Where a page ends: the last record's createdAt and ref (newest first, ties by ref). */
export interface Cursor {
	createdAt: number;
	ref: string;
}

export interface ListFilter {
	status?: MessageStatus;
	tag?: Tag;
	/** Only records older than this (the previous page's last). */
	before?: Cursor;
	/** Only records newer than this, and then oldest first (a page going back towards the newest). */
	after?: Cursor;
	limit: number;
}

export function getRecord(
	sql: Sql,
	ref: string,
	owner: string | undefined,
): { record: MessageRecord; events: MessageEvent[] } | undefined {
	const row = sql.one<MessageRow>("SELECT * FROM messages WHERE ref = ?", ref);
	if (!row || (owner !== undefined && row.owner !== owner)) return undefined;
	return { record: recordOf(sql, row), events: eventsOf(sql, ref) };
}

export function listRecords(sql: Sql, owner: string, filter: ListFilter): MessageRecord[] {
	const where = ["m.owner = ?"];
	const values: SqlStorageValue[] = [owner];
	if (filter.status) {
		where.push("m.status = ?");
		values.push(filter.status);
	}
	if (filter.tag) {
		where.push("EXISTS (SELECT 1 FROM message_tags t WHERE t.ref = m.ref AND t.name = ? AND t.value = ?)");
		values.push(filter.tag.name, filter.tag.value);
	}
	if (filter.before) {
		where.push("(m.created_at < ? OR (m.created_at = ? AND m.ref < ?))");
		values.push(filter.before.createdAt, filter.before.createdAt, filter.before.ref);
	}
	if (filter.after) {
		where.push("(m.created_at > ? OR (m.created_at = ? AND m.ref > ?))");
		values.push(filter.after.createdAt, filter.after.createdAt, filter.after.ref);
	}
	const order = filter.after ? "m.created_at ASC, m.ref ASC" : "m.created_at DESC, m.ref DESC";
	return sql
		.all<MessageRow>(
			`SELECT m.* FROM messages m WHERE ${where.join(" AND ")} ORDER BY ${order} LIMIT ?`,
			...values,
			filter.limit,
		)
		.map((row) => recordOf(sql, row));
}
