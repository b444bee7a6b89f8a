/**
 * A caller's own message records, as every door shows them (record-view.ts):
 * one with its events, a newest-first page across the store's shards, and
 * cancel while it still waits and nothing of it has reached the relay, which
 * announces `message.canceled` like every final status (the shard's outbox;
 * its sweep deletes the spooled bytes). Owned by `caller.id`: another caller's
 * ref is not found.
 */
import type { Bindings } from "../env";
import { delayFor, sendJobs, webhookJobs } from "../store/jobs";
import { listAcross, listNewer, shardOf } from "../store/messages-client";
import { dayOf, placeOf, shardName } from "../store/ref";
import type { Cursor } from "../store/shard-read";
import type { MessageRecord, MessageStatus, Tag } from "../store/types";
import { ProblemError } from "./problem";
import { type RecordView, recordView } from "./record-view";
import { requireStore } from "./store-access";

const notFound = (ref: string) => new ProblemError("message_not_found", `no message ${ref} for this caller`);

/** The record `ref` of `owner`, with its events; a 404 when it has none by that ref. */
export async function recordOf(env: Bindings, ref: string, owner: string): Promise<RecordView> {
	const store = requireStore(env, "message records");
	const found = await shardOf(store, ref)?.get(ref, owner);
	if (!found) throw notFound(ref);
	return recordView(found.record, found.events);
}

/** The stored record `ref` of `owner` (for a door that shows it its own way), or undefined. */
export async function storedRecordOf(env: Bindings, ref: string, owner: string): Promise<MessageRecord | undefined> {
	const store = requireStore(env, "message records");
	return (await shardOf(store, ref)?.get(ref, owner))?.record;
}

/**
 * A page of `owner`'s records in the store's own model, newest first: older
 * than `before`, or (with `after`) the `limit` just newer than it; `more`
 * when the list goes on past the page in that direction.
 */
export async function pageOf(
	env: Bindings,
	owner: string,
	query: { limit: number; tag?: Tag; before?: Cursor; after?: Cursor },
): Promise<{ records: MessageRecord[]; more: boolean }> {
	const { limit, after } = query;
	const tag = query.tag ? { tag: query.tag } : {};
	if (after) {
		const store = requireStore(env, "message records");
		const newer = await listNewer(store, owner, { limit, after, fromDay: startDay(after), ...tag });
		return { records: newer.slice(0, limit).reverse(), more: newer.length > limit };
	}
	const page = await olderPage(env, owner, { limit, ...tag, ...(query.before ? { before: query.before } : {}) });
	return { records: page.records, more: page.next !== undefined };
}

/** The day a page starts from: its cursor's (the ref names it; a cursor with no ref is a day's start), or today. */
const startDay = (cursor: Cursor | undefined): number =>
	cursor ? (placeOf(cursor.ref)?.day ?? dayOf(cursor.createdAt - 1)) : dayOf(Date.now());

/** The owner's records older than `before` (or the newest), across shards and days. */
function olderPage(env: Bindings, owner: string, query: ListQuery) {
	const store = requireStore(env, "message records");
	const { before, status, tag } = query;
	return listAcross(store, owner, {
		limit: query.limit,
		fromDay: startDay(before),
		...(status ? { status } : {}),
		...(tag ? { tag } : {}),
		...(before ? { before } : {}),
	});
}

export interface ListQuery {
	status?: MessageStatus;
	tag?: Tag;
	limit: number;
	/** Only records older than this one (the previous page's last). */
	before?: Cursor;
}

/** A page of `owner`'s records, newest first; `next` where the following page starts, when there may be more. */
export async function listRecordsOf(
	env: Bindings,
	owner: string,
	query: ListQuery,
): Promise<{ records: RecordView[]; next?: Cursor }> {
	const page = await olderPage(env, owner, query);
	return { records: page.records.map((r) => recordView(r)), ...(page.next ? { next: page.next } : {}) };
}

/** Cancels `ref` of `owner` while it waits; its record after. 404 for none, 409 once it is sending or final. */
export async function cancelRecord(
	env: Bindings,
	ref: string,
	owner: string,
	background: (work: Promise<unknown>) => void,
): Promise<RecordView> {
	const store = requireStore(env, "message records");
	const shard = shardOf(store, ref);
	const place = placeOf(ref);
	if (!shard || !place) throw notFound(ref);
	const canceled = await shard.cancel(ref, owner, Date.now());
	if (canceled.kind === "missing") throw notFound(ref);
	if (canceled.kind === "not_cancelable") {
		throw new ProblemError("message_not_cancelable", `message ${ref} is ${canceled.status}: ${canceled.why}`);
	}
	// message.canceled is in the shard's outbox; a job the queue loses is queued again by its sweep.
	const queue = env.SEND_QUEUE;
	if (queue) background(sendJobs(queue, webhookJobs(shardName(place), canceled.outbox)));
	return recordOf(env, ref, owner);
}

/**
 * Moves `ref` of `owner` to be delivered at `sendAt` while it is still
 * scheduled and not yet attempted (Resend's PATCH /emails/{id}); its record
 * after. A job is queued for the new time when it is within the queue's
 * longest delay (else the shard's sweep queues it when it comes near); one
 * queued for the old time finds the record not yet due and waits again.
 * 404 for none, 409 once it is queued, sending or final.
 */
export async function rescheduleRecord(
	env: Bindings,
	ref: string,
	owner: string,
	sendAt: number,
	now: number,
): Promise<RecordView> {
	const store = requireStore(env, "message records");
	const shard = shardOf(store, ref);
	if (!shard) throw notFound(ref);
	const moved = await shard.reschedule(ref, owner, sendAt, now);
	if (moved.kind === "missing") throw notFound(ref);
	if (moved.kind === "not_reschedulable") {
		throw new ProblemError(
			"message_not_cancelable",
			`message ${ref} is ${moved.status}: only a scheduled message not yet attempted can be rescheduled`,
		);
	}
	const queue = env.SEND_QUEUE;
	if (moved.queueNow && queue) {
		// Not queued now: the sweep queues it (the shard expects its job from the new time on).
		await queue.send({ kind: "send", ref }, { delaySeconds: delayFor(sendAt, now) }).catch(() => {});
	}
	return recordOf(env, ref, owner);
}
