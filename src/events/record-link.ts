/**
 * Provider events on message records (src/store/): matched by relay id.
 * An event whose record exists is appended to its events and may move its
 * status (status-rules.ts); one that came first waits in `provider_events`
 * (ref NULL) and is attached when the record's relay id is written. Its
 * `ref` set is what tells the event's held job (held-events.ts) that the
 * record has claimed it and sends it out itself.
 */
import { appendEvent, findByRelayId, getRecord, moveStatus, relayIdsOf } from "../store/messages";
import { FINAL_STATUSES, type MessageRecord, type MessageStatus } from "../store/types";
import { unattachedEvents } from "./callback-store";
import type { ProviderEvent } from "./engagelab-payload";
import { nextStatus } from "./status-rules";

/** Appends `event` to `record` (moving its status when the rules say so); answers the status after it. */
export async function applyToRecord(
	db: D1Database,
	record: Pick<MessageRecord, "ref" | "status">,
	event: ProviderEvent,
): Promise<MessageStatus> {
	const logged = {
		type: event.type,
		at: event.at,
		detail: { eventId: event.id, recipient: event.recipient ?? null, detail: event.detail ?? null },
	};
	const next = nextStatus(record.status, event.type) as MessageStatus | undefined;
	let status = record.status;
	if (next && (await moveStatus(db, record.ref, [record.status], next, {}, logged))) status = next;
	else await appendEvent(db, record.ref, logged);
	await db.prepare("UPDATE provider_events SET ref = ? WHERE id = ?").bind(record.ref, event.id).run();
	return status;
}

/**
 * The record a new event belongs to, with the event applied; undefined while
 * none has this relay id, or while its record is not final yet: after a
 * partial 4xx the record has its first attempt's relay id and waits for the
 * retry to the rest, and the event waits with it, to be attached (and sent
 * out after `message.sent`) when the record is written final.
 */
export async function linkEvent(db: D1Database, event: ProviderEvent): Promise<MessageRecord | undefined> {
	const record = await findByRelayId(db, event.relayId);
	if (!record || !FINAL_STATUSES.includes(record.status)) return undefined;
	await applyToRecord(db, record, event);
	return record;
}

/** Attaches the events that arrived before `ref` had its relay id, oldest first; answers them. */
export async function attachPendingEvents(db: D1Database, ref: string): Promise<ProviderEvent[]> {
	const record = await getRecord(db, ref);
	if (!record?.relayId) return [];
	const pending = await unattachedEvents(db, await relayIdsOf(db, record));
	let status = record.status;
	for (const event of pending) status = await applyToRecord(db, { ref, status }, event);
	return pending;
}
