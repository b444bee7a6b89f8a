/**
 * A caller's own message records, as every door shows them (record-view.ts):
 * one with its events, and cancel while it still waits (queued or scheduled),
 * which drops its spooled bytes and announces `message.canceled` like every
 * final status. Owned by `caller.id`: another caller's ref is not found.
 */
import type { Config } from "../config";
import { recordsWritten } from "../events/record-written";
import { getRecord, listEvents, moveStatus, reschedule } from "../store/messages";
import { WAITING_STATUSES } from "../store/types";
import { DELIVERY_WINDOW_MS, queueDelaySeconds } from "../util/backoff";
import { ProblemError } from "./problem";
import { type RecordView, recordView } from "./record-view";
import { dropSpool } from "./spool";

/** What reading or canceling a record needs. */
export interface RecordsContext {
	db: D1Database;
	spool: R2Bucket | undefined;
	queue: Queue<{ kind: string } & Record<string, unknown>> | undefined;
	events: Config["events"];
	/** Work that must finish but must not hold up the answer. */
	background: (work: Promise<unknown>) => void;
}

const notFound = (ref: string) => new ProblemError("message_not_found", `no message ${ref} for this caller`);

/** The record `ref` of `owner`, with its events; a 404 when it has none by that ref. */
export async function recordOf(db: D1Database, ref: string, owner: string): Promise<RecordView> {
	const record = await getRecord(db, ref, owner);
	if (!record) throw notFound(ref);
	return recordView(record, await listEvents(db, ref));
}

/** Cancels `ref` of `owner` while it waits; its record after. 404 for none, 409 once it is sending or final. */
export async function cancelRecord(ctx: RecordsContext, ref: string, owner: string): Promise<RecordView> {
	const { db } = ctx;
	const record = await getRecord(db, ref, owner);
	if (!record) throw notFound(ref);
	const canceled = await moveStatus(
		db,
		ref,
		WAITING_STATUSES,
		"canceled",
		{ final: true },
		{ type: "canceled", at: Date.now() },
	);
	if (!canceled) {
		const now = (await getRecord(db, ref))?.status ?? record.status;
		throw new ProblemError(
			"message_not_cancelable",
			`message ${ref} is ${now}: only queued or scheduled messages can be canceled`,
		);
	}
	await dropSpool(ctx.spool, record.spoolKey);
	// message.canceled out, like every final status
	ctx.background(recordsWritten(db, ctx.queue, ctx.events, [ref]));
	const after = await getRecord(db, ref);
	return recordView(after ?? record, await listEvents(db, ref));
}

/**
 * Moves `ref` of `owner` to be delivered at `sendAt` while it still waits
 * (Resend's PATCH /emails/{id}); its record after. A job is queued for the new
 * time: one queued for the old time finds the record not yet due and waits
 * again, or finds it final. 404 for none, 409 once it is sending or final.
 */
export async function rescheduleRecord(
	ctx: RecordsContext,
	ref: string,
	owner: string,
	sendAt: number,
	now: number,
): Promise<RecordView> {
	const { db } = ctx;
	const record = await getRecord(db, ref, owner);
	if (!record) throw notFound(ref);
	const at = new Date(sendAt).toISOString();
	const moved = await reschedule(db, ref, sendAt, sendAt + DELIVERY_WINDOW_MS, {
		type: "rescheduled",
		at: now,
		detail: { sendAt: at },
	});
	if (!moved) {
		const status = (await getRecord(db, ref))?.status ?? record.status;
		throw new ProblemError(
			"message_not_cancelable",
			`message ${ref} is ${status}: only queued or scheduled messages can be rescheduled`,
		);
	}
	if (!ctx.queue) throw new ProblemError("config_invalid", "rescheduling needs the SEND_QUEUE binding");
	await ctx.queue.send({ kind: "send", ref }, { delaySeconds: queueDelaySeconds(sendAt, now) });
	return recordView((await getRecord(db, ref)) ?? record, await listEvents(db, ref));
}
