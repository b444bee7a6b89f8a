/**
 * What the callback route keeps in D1: each provider event once (a redelivery
 * inserts nothing), and each signature bound to the body it first came with.
 * The provider's signature covers only its timestamp, so without that binding
 * anyone who saw one callback could send another body under its headers for
 * as long as the timestamp window lasts. An event no record has claimed yet
 * (`ref` NULL) is read back from here when its record is written
 * (record-link.ts) or when its hold ends (held-events.ts).
 */
import { placeholders } from "../util/sql";
import type { ProviderEvent, ProviderEventType } from "./engagelab-payload";

/** Signatures older than this are forgotten (the timestamp window is far shorter). */
const SIGNATURE_MEMORY_MS = 60 * 60 * 1000;

async function sha256Hex(bytes: Uint8Array): Promise<string> {
	const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
	return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** "fresh" the first time, "repeat" for the same body again, "conflict" for another body under it. */
export async function bindSignature(
	db: D1Database,
	signature: string,
	body: Uint8Array,
	nowMs: number,
): Promise<"fresh" | "repeat" | "conflict"> {
	const digest = await sha256Hex(body);
	const [, inserted] = await db.batch([
		db.prepare("DELETE FROM callback_signatures WHERE seen_at < ?").bind(nowMs - SIGNATURE_MEMORY_MS),
		db
			.prepare(
				"INSERT INTO callback_signatures (signature, body_sha256, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
			)
			.bind(signature, digest, nowMs),
	]);
	if (inserted.meta.changes > 0) return "fresh";
	const row = await db
		.prepare("SELECT body_sha256 FROM callback_signatures WHERE signature = ?")
		.bind(signature)
		.first<{ body_sha256: string }>();
	return row?.body_sha256 === digest ? "repeat" : "conflict";
}

/** Stores the event unless it is already there; answers whether it was new. */
export async function keepEvent(db: D1Database, e: ProviderEvent, nowMs: number): Promise<boolean> {
	const result = await db
		.prepare(
			"INSERT INTO provider_events (id, relay_id, recipient, type, at, detail, api_user, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
		)
		.bind(e.id, e.relayId, e.recipient ?? null, e.type, e.at, e.detail ?? null, e.apiUser ?? null, nowMs)
		.run();
	return result.meta.changes > 0;
}

export interface StoredEvent {
	id: string;
	type: string;
	recipient: string | null;
	at: number;
	detail: string | null;
}

/** The events for a relay id, oldest first. */
export async function eventsFor(db: D1Database, relayId: string): Promise<StoredEvent[]> {
	const { results } = await db
		.prepare("SELECT id, type, recipient, at, detail FROM provider_events WHERE relay_id = ? ORDER BY at, id")
		.bind(relayId)
		.all<StoredEvent>();
	return results;
}

interface EventRow {
	id: string;
	relay_id: string;
	recipient: string | null;
	type: ProviderEventType;
	at: number;
	detail: string | null;
	api_user: string | null;
	received_at: number;
}

const eventOf = (row: EventRow): ProviderEvent => ({
	id: row.id,
	relayId: row.relay_id,
	type: row.type,
	at: row.at,
	...(row.recipient ? { recipient: row.recipient } : {}),
	...(row.detail ? { detail: row.detail } : {}),
	...(row.api_user ? { apiUser: row.api_user } : {}),
});

/** The events of any of `relayIds` (a record's first and later ones) that no record has claimed yet, oldest first. */
export async function unattachedEvents(db: D1Database, relayIds: string[]): Promise<ProviderEvent[]> {
	if (!relayIds.length) return [];
	const { results } = await db
		.prepare(
			`SELECT * FROM provider_events WHERE relay_id IN (${placeholders(relayIds)}) AND ref IS NULL ORDER BY at, id`,
		)
		.bind(...relayIds)
		.all<EventRow>();
	return results.map(eventOf);
}

/** The event `id` with the time it was received, while no record has claimed it. */
export async function unattachedEvent(
	db: D1Database,
	id: string,
): Promise<{ event: ProviderEvent; receivedAt: number } | undefined> {
	const row = await db.prepare("SELECT * FROM provider_events WHERE id = ? AND ref IS NULL").bind(id).first<EventRow>();
	return row ? { event: eventOf(row), receivedAt: row.received_at } : undefined;
}
