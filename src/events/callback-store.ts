/**
 * What the callback route keeps in D1: each provider event once (a redelivery
 * inserts nothing), and each signature bound to the body it first came with.
 * The provider's signature covers only its timestamp, so without that binding
 * anyone who saw one callback could send another body under its headers for
 * as long as the timestamp window lasts.
 */
import type { ProviderEvent } from "./engagelab-payload";

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
