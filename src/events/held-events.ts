/**
 * Provider events that came before their record: held, not sent at once.
 *
 * A callback can beat the record it belongs to (the provider reports a bounce
 * before a sync send or the queue consumer has written the relay id). Sent at
 * once it would reach the receiver with `ref: null`, ahead of the record's
 * `message.sent`, and the copy with the ref that follows under the same
 * webhook-id would be dropped as a repeat. So, with webhooks on and a queue
 * bound, the callback route puts a `{kind: "held-event", id}` job on
 * SEND_QUEUE, delayed by UNMATCHED_HOLD_MS, and publishes nothing:
 * - the record is written within the hold: recordWritten (record-written.ts)
 *   attaches the event and publishes it after `message.sent`, with the ref,
 *   in the record's stream; the job then finds it attached and does nothing;
 * - its record exists but is not final (a partial 4xx's first attempt gave
 *   it the relay id; the retry to the rest is pending): held on until the
 *   record is written final, which sends it after `message.sent`;
 * - no record claims it (a message another client sent on the same api_user
 *   never gets one): the job publishes it with `ref: null` in the relay id's
 *   stream.
 * The job's publish is stored only while the event is still unattached, in
 * one statement (webhook-deliveries.ts), and both publish under the event's
 * id, stored once: whichever comes first is the only copy.
 */
import { findByRelayId } from "../store/messages";
import { FINAL_STATUSES } from "../store/types";
import { unattachedEvent } from "./callback-store";
import { outboundOf } from "./provider-outbound";
import { recordWritten } from "./record-written";
import type { Next } from "./webhook-deliveries";
import { publish, type WebhookQueue } from "./webhook-job";

/** How long an event waits for its record: a record is written moments after the relay's 250, well within this. */
export const UNMATCHED_HOLD_MS = 30_000;

export interface HeldEventJob {
	kind: "held-event";
	/** The provider event's id (its webhook-id). */
	id: string;
}

export const isHeldEventJob = (body: { kind: string } & Record<string, unknown>): body is HeldEventJob & typeof body =>
	body.kind === "held-event" && typeof body.id === "string";

/** Holds the new, unmatched event `id` until the hold is over. */
export async function holdEvent(queue: WebhookQueue, id: string): Promise<void> {
	await queue.send({ kind: "held-event", id } satisfies HeldEventJob, { delaySeconds: UNMATCHED_HOLD_MS / 1000 });
}

/** The held job's one look: too early, or its record not final → back later; claimed by a record → nothing; else published with `ref: null`. */
export async function releaseHeldEvent(
	db: D1Database,
	queue: WebhookQueue,
	job: HeldEventJob,
	nowMs: number,
): Promise<Next> {
	const held = await unattachedEvent(db, job.id);
	if (!held) return { done: true };
	// A queue may hand a delayed job over early: the hold is counted from when the callback came.
	const dueAt = held.receivedAt + UNMATCHED_HOLD_MS;
	if (dueAt > nowMs) return { done: false, dueAt };
	const record = await findByRelayId(db, held.event.relayId);
	if (record && !FINAL_STATUSES.includes(record.status)) {
		// Its record waits for a retry (after a partial 4xx): held until that attempt has written it final.
		return { done: false, dueAt: Math.max(nowMs, record.nextAttemptAt ?? nowMs) + UNMATCHED_HOLD_MS };
	}
	if (record) {
		// Final, but its writer has not attached the event yet: attaching it here sends it with the ref, after message.sent.
		await recordWritten(db, queue, true, record.ref, nowMs);
		return { done: true };
	}
	const event = outboundOf(held.event, null);
	if (event) {
		await publish(
			db,
			queue,
			{ id: held.event.id, ref: null, relayId: held.event.relayId, event, onlyWhileUnattached: true },
			nowMs,
		);
	}
	return { done: true };
}
