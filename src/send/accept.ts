/**
 * Accepting a message for later: bytes to the spool, a `queued` or
 * `scheduled` record with its first event, and a `send` job on the queue
 * (delayed up to the queue's maximum; the consumer re-enqueues the rest).
 */
import { createRecord, moveStatus } from "../store/messages";
import type { Envelope } from "../store/types";
import { DELIVERY_WINDOW_MS, queueDelaySeconds } from "../util/backoff";
import { newRef } from "./ref";
import { spool } from "./spool";
import type { Prepared } from "./types";

/** A `send` message on SEND_QUEUE: only the reference; the rest is in D1 and R2 (the consumer is src/records/). */
export type SendJob = {
	kind: "send";
	ref: string;
};

export interface AsyncBindings {
	DB: D1Database;
	SEND_QUEUE: Queue<{ kind: string } & Record<string, unknown>>;
	SPOOL: R2Bucket;
}

export interface Accepted {
	ref: string;
	status: "queued" | "scheduled";
	messageId: string;
}

/** Who sends, as the record keeps it. */
export interface Sender {
	owner: string;
	apiUser: string;
	ehloName: string;
	/** Spool the message's fields beside its bytes: the provider's REST API is one of the routes. */
	keepFields?: boolean;
}

/** What every record of `prepared` holds, whatever its status. */
export const recordFields = (sender: Sender, prepared: Prepared, ref: string, now: number) => ({
	ref,
	owner: sender.owner,
	apiUser: sender.apiUser,
	messageId: prepared.composed.messageId,
	from: prepared.composed.envelope.from,
	to: prepared.composed.envelope.to,
	subject: prepared.subject,
	...(prepared.labelId === undefined ? {} : { labelId: prepared.labelId }),
	createdAt: now,
	tags: prepared.tags,
	addresses: prepared.addresses,
});

export const envelopeOf = (prepared: Prepared, ehloName: string): Envelope => ({
	from: prepared.composed.envelope.from,
	to: prepared.composed.envelope.to,
	size: prepared.composed.size,
	eightBit: prepared.composed.eightBit,
	smtpUtf8: prepared.composed.smtpUtf8,
	ehloName,
});

export async function acceptAsync(
	env: AsyncBindings,
	sender: Sender,
	prepared: Prepared,
	sendAt: number | undefined,
	now: number,
): Promise<Accepted> {
	const ref = newRef();
	const scheduled = sendAt !== undefined && sendAt > now;
	const status = scheduled ? "scheduled" : "queued";
	const key = await spool(env.SPOOL, ref, prepared.composed, sender.keepFields ? prepared.input : undefined);
	const dueAt = scheduled ? sendAt : now;
	await createRecord(
		env.DB,
		{
			...recordFields(sender, prepared, ref, now),
			status,
			...(scheduled ? { sendAt } : {}),
			// A scheduled send has its 24 hours from when it is due.
			deadlineAt: dueAt + DELIVERY_WINDOW_MS,
			envelope: envelopeOf(prepared, sender.ehloName),
			spoolKey: key,
		},
		{ type: status, at: now, ...(scheduled ? { detail: { sendAt: new Date(sendAt).toISOString() } } : {}) },
	);
	try {
		const job: SendJob = { kind: "send", ref };
		await env.SEND_QUEUE.send(job, { delaySeconds: queueDelaySeconds(dueAt, now) });
	} catch (error) {
		// Not on the queue: nothing will ever deliver it, so say so in the record.
		const lastError = { code: "internal_error", detail: "the message could not be queued" };
		await moveStatus(env.DB, ref, [status], "failed", { lastError, final: true }, { type: "failed", at: now });
		await env.SPOOL.delete(key);
		throw error;
	}
	return { ref, status, messageId: prepared.composed.messageId };
}
