/**
 * A record becoming final, in the transaction that makes it so: its own
 * event (`message.sent`, `.failed`, `.unknown`, `.canceled`) into the outbox
 * first, then the provider events that were waiting for it, applied in the
 * order they came, with theirs. Also the provider events filed on a record
 * that is already final (`applyEvent`).
 */
import { addOutbox } from "./outbox";
import { appendEvent, type MessageRow, rowOf } from "./shard-rows";
import type { Sql } from "./sql";
import {
	type Addresses,
	forwardStatus,
	type LinkedEvent,
	type MessageStatus,
	type OutboxEvent,
	type Tag,
} from "./types";

/** Our own final statuses, each sent out once (the steps on the way are on the record's timeline). */
export const OWN_EVENTS: Partial<Record<MessageStatus, string>> = {
	sent: "message.sent",
	failed: "message.failed",
	unknown: "message.unknown",
	canceled: "message.canceled",
};

/** The record's facts every outbound event of it carries. */
export function about(
	row: MessageRow,
): Pick<OutboxEvent, "ref" | "messageId" | "from" | "subject" | "tags" | "route" | "email"> {
	const written = row.addresses === null ? null : (JSON.parse(row.addresses) as Addresses);
	return {
		ref: row.ref,
		messageId: row.message_id,
		from: row.from_addr,
		subject: row.subject,
		tags: JSON.parse(row.tags) as Tag[],
		route: (row.route as OutboxEvent["route"]) ?? null,
		email: {
			from: written?.from ?? row.from_addr,
			to: written?.to ?? (JSON.parse(row.to_addrs) as string[]),
			createdAt: row.created_at,
		},
	};
}

/** Outbox ids written: the own event, then the attached provider events. */
export function announceFinal(sql: Sql, ref: string, now: number): string[] {
	const row = rowOf(sql, ref);
	const type = row && OWN_EVENTS[row.status];
	if (!row || !type) return [];
	const ids: string[] = [];
	if (row.publish) {
		const id = `evt_${ref}_${row.status}`;
		const failedOrUnknown = row.status === "failed" || row.status === "unknown";
		const event: OutboxEvent = {
			type,
			at: row.sent_at ?? now,
			...about(row),
			relayId: row.relay_id ?? "",
			to: (JSON.parse(row.to_addrs) as string[]).join(", "),
			detail: failedOrUnknown ? (row.last_error ?? "null") : null,
		};
		if (addOutbox(sql, id, ref, event, now)) ids.push(id);
	}
	const pending = sql.all<{ id: string; event: string }>(
		"SELECT id, event FROM provider_events WHERE ref = ? AND state = 'pending' ORDER BY rowid",
		ref,
	);
	for (const p of pending) {
		sql.run("UPDATE provider_events SET state = 'applied' WHERE id = ?", p.id);
		ids.push(...applyEvent(sql, ref, JSON.parse(p.event) as LinkedEvent, now));
	}
	return ids;
}

/** `message.scheduled` for a send that waits for its sendAt (with webhooks on); answers the outbox ids. */
export function announceScheduled(sql: Sql, ref: string, now: number): string[] {
	const row = rowOf(sql, ref);
	if (!row?.publish) return [];
	const id = `evt_${ref}_scheduled`;
	const event: OutboxEvent = {
		type: "message.scheduled",
		at: now,
		...about(row),
		relayId: "",
		to: (JSON.parse(row.to_addrs) as string[]).join(", "),
		detail: row.send_at === null ? null : new Date(row.send_at).toISOString(),
	};
	return addOutbox(sql, id, ref, event, now) ? [id] : [];
}

/**
 * Files a provider event on a final record: on its timeline, its status moved
 * forward if the event says so, and its webhook into the outbox. Answers the
 * outbox ids written.
 */
export function applyEvent(sql: Sql, ref: string, event: LinkedEvent, now: number): string[] {
	const row = rowOf(sql, ref);
	if (!row) return [];
	appendEvent(sql, ref, {
		type: event.type,
		at: event.at,
		detail: { eventId: event.id, recipient: event.recipient, detail: event.detail },
	});
	const next = forwardStatus(row.status, event.moveTo);
	if (next) sql.run("UPDATE messages SET status = ? WHERE ref = ?", next, ref);
	if (!row.publish || !event.webhook) return [];
	const outbound: OutboxEvent = {
		type: event.webhook,
		at: event.at,
		...about(row),
		relayId: event.relayId,
		to: event.recipient,
		detail: event.detail,
	};
	return addOutbox(sql, event.id, ref, outbound, now) ? [event.id] : [];
}
