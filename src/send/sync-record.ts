/**
 * The record of a synchronous send, written once its outcome is known: the
 * caller already has the answer, the record lets it (and provider events)
 * find the message later by its ref.
 */
import { recordsWritten } from "../events/record-written";
import { eventStatement, insertRecord, type NewRecord } from "../store/messages";
import { DELIVERY_WINDOW_MS } from "../util/backoff";
import { recordFields, type Sender } from "./accept";
import { type SendContext, senderOf } from "./context";
import { errorOf } from "./outcome";
import { newRef } from "./ref";
import type { Admitted, Delivered, Prepared } from "./types";

const statusOf = (d: Delivered) => (d.ok ? "sent" : d.problem.code === "delivery_unknown" ? "unknown" : "failed");

/** The record (and its event) for one sync delivery; returns the statements so a batch writes them at once. */
export function syncRecord(
	db: D1Database,
	sender: Sender,
	prepared: Prepared,
	delivered: Delivered,
	now: number,
): { ref: string; statements: D1PreparedStatement[] } {
	const ref = newRef();
	const status = statusOf(delivered);
	const record: NewRecord = {
		...recordFields(sender, prepared, ref, now),
		status,
		deadlineAt: now + DELIVERY_WINDOW_MS,
		attempts: 1,
		...(delivered.ok
			? { relayId: delivered.sent.id, route: delivered.sent.route, sentAt: now }
			: { lastError: errorOf(delivered.problem) }),
	};
	const detail = delivered.ok
		? {
				relayId: delivered.sent.id,
				route: delivered.sent.route,
				accepted: delivered.sent.accepted,
				rejected: delivered.sent.rejected,
			}
		: errorOf(delivered.problem);
	return { ref, statements: [insertRecord(db, record), eventStatement(db, ref, { type: status, at: now, detail })] };
}

/** Writes the records of sync deliveries in one D1 batch. */
export async function writeSyncRecords(
	db: D1Database,
	records: { statements: D1PreparedStatement[] }[],
): Promise<void> {
	const statements = records.flatMap((r) => r.statements);
	if (statements.length) await db.batch(statements);
}

/**
 * The records of a request's sync deliveries (when D1 is bound), in one
 * batch; then, in the background, their delivery events. Ref by request index.
 */
export async function recordDeliveries(
	ctx: SendContext,
	admitted: readonly Admitted[],
	delivered: ReadonlyMap<number, Delivered>,
): Promise<Map<number, string>> {
	const refs = new Map<number, string>();
	const db = ctx.env.DB;
	if (!db) return refs;
	const now = Date.now();
	const written = admitted.flatMap(({ index, prepared }) => {
		const d = delivered.get(index);
		if (!d) return [];
		const record = syncRecord(db, senderOf(ctx), prepared, d, now);
		refs.set(index, record.ref);
		return [record];
	});
	await writeSyncRecords(db, written);
	ctx.background(recordsWritten(db, ctx.env.SEND_QUEUE, ctx.config.events, refs.values()));
	return refs;
}
