/**
 * A message's record as every door shows it (`GET /v1/messages/{ref}`, the
 * RPC door's `status`/`cancel`): no owner, no delivery-only columns, times
 * as RFC 3339. One wire type, so the doors cannot drift apart.
 */
import type { MessageEvent, MessageRecord, Tag } from "../store/types";
import type { Problem } from "./problem";

/**
 * What an event's detail holds: a JSON object, kept shallow in the type
 * (`unknown`, or a recursive JSON type, would not type across RPC's Service<>).
 */
export type EventDetail = Record<string, string | number | boolean | null | object>;

/**
 * A message's record, as `GET /v1/messages/{ref}` answers it: the stored
 * record's fields (store/types.ts) less the owner and the delivery-only ones,
 * with times as RFC 3339.
 */
export type RecordView = Pick<
	MessageRecord,
	"ref" | "status" | "messageId" | "relayId" | "from" | "to" | "subject" | "attempts"
> & {
	createdAt: string;
	sendAt: string | null;
	sentAt: string | null;
	/** The problem that ended it, or the last transient one: what it was, not how it was answered. */
	lastError: Pick<Problem, "code" | "detail" | "smtp" | "rejected"> | null;
	tags: Tag[];
	/** Present when the record is shown alone (not in a list). */
	events?: { type: string; at: string; detail?: EventDetail }[];
};

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The view of a stored record (with its events when given). */
export const recordView = (r: MessageRecord, events?: MessageEvent[]): RecordView => ({
	ref: r.ref,
	status: r.status,
	messageId: r.messageId,
	relayId: r.relayId,
	from: r.from,
	to: r.to,
	subject: r.subject,
	createdAt: new Date(r.createdAt).toISOString(),
	sendAt: iso(r.sendAt),
	sentAt: iso(r.sentAt),
	attempts: r.attempts,
	// Written by send/outcome.ts errorOf (or a fixed {code, detail}): JSON the store gives back as it was.
	lastError: (r.lastError ?? null) as RecordView["lastError"],
	tags: r.tags,
	...(events
		? {
				events: events.map((e) => ({
					type: e.type,
					at: new Date(e.at).toISOString(),
					...(e.detail === undefined ? {} : { detail: e.detail as EventDetail }),
				})),
			}
		: {}),
});
