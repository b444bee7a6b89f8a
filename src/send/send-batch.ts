/**
 * Up to 100 messages through the send path, for any door. Each is prepared
 * on its own (a bad one is its own problem result, the rest still go); the
 * good ones are either all accepted for later (async, or any with a sendAt)
 * or admitted with one acquire and delivered; one result per message, in
 * order, as plain data for the door to render.
 */
import { fieldErrors } from "../util/field-path";
import { type Accepted, acceptAsync } from "./accept";
import { asyncBindings, backlogFull, backlogRoom, refusePublicAsync, sendAtOf } from "./async-rules";
import { type SendContext, senderOf } from "./context";
import { failure } from "./deliver";
import { deliverMessages, deliverOverLimit, type RelayUse } from "./delivery";
import { limitedProblem } from "./limiter";
import { BatchEnvelopeSchema } from "./message-schema";
import { prepareMessage } from "./prepare";
import { type Problem, validationProblem } from "./problem";
import { announceScheduled, type SendOptions } from "./send-message";
import { settle } from "./settle";
import { recordDeliveries } from "./sync-record";
import type { Admitted, Delivered, Sent } from "./types";
import { FetchBudget } from "./url-attachment";

/** One message's result: sent (`status: 200`, with its record's ref when D1 is bound), accepted for later, or its problem. */
export type BatchItem = (Sent & { status: 200; ref?: string }) | Accepted | Problem;

export type BatchOutcome =
	/** `allOrNothing` and a message failed its preparation: nothing was accepted or sent. */
	| { kind: "refused"; results: BatchItem[] }
	| { kind: "accepted"; results: BatchItem[] }
	/** `sent`: how many the relay took, when any message was admitted; `relay`: how they reached it. */
	| { kind: "delivered"; results: BatchItem[]; sent?: number; relay?: RelayUse };

/**
 * The encoded messages of one batch together: they are all held at once, and
 * `url` attachments could otherwise make 100 × MAX_MESSAGE_BYTES of a 128 MB
 * isolate. A message that would go past it is its own 413.
 */
export const MAX_BATCH_BYTES = 32_000_000;

const asItem = (d: Delivered, ref?: string): BatchItem =>
	d.ok ? { status: 200, ...d.sent, ...(ref ? { ref } : {}) } : d.problem;

export interface BatchOptions extends SendOptions {
	/** Refuse the whole batch, sending nothing, when any message fails its preparation (Resend's strict mode). */
	allOrNothing?: boolean;
}

/** Sends a batch body (`{messages: [...]}`, validated here). */
export async function sendBatch(
	ctx: SendContext,
	input: unknown,
	options: SendOptions,
): Promise<Exclude<BatchOutcome, { kind: "refused" }>>;
export async function sendBatch(ctx: SendContext, input: unknown, options: BatchOptions): Promise<BatchOutcome>;
export async function sendBatch(ctx: SendContext, input: unknown, options: BatchOptions): Promise<BatchOutcome> {
	const { config } = ctx;
	const envelope = BatchEnvelopeSchema.safeParse(input);
	if (!envelope.success) throw validationProblem(fieldErrors(envelope.error.issues));
	const messages = envelope.data.messages;
	const results: BatchItem[] = new Array(messages.length);
	const ready: Admitted[] = [];
	const fetches = new FetchBudget();
	let bytesLeft = MAX_BATCH_BYTES;
	for (const [index, message] of messages.entries()) {
		const batchBound = bytesLeft < config.maxMessageBytes;
		const bounds = {
			maxBytes: batchBound ? bytesLeft : config.maxMessageBytes,
			what: batchBound ? `the batch's total of ${MAX_BATCH_BYTES} bytes` : "MAX_MESSAGE_BYTES",
			fetches,
		};
		try {
			const prepared = await prepareMessage(message, config, ctx.caller, ctx.env.DB, bounds);
			bytesLeft -= prepared.composed.size;
			ready.push({ index, prepared });
		} catch (error) {
			results[index] = failure(error).problem;
		}
	}
	if (options.allOrNothing && ready.length < messages.length) return { kind: "refused", results };
	if (options.async || ready.some((r) => r.prepared.sendAt !== undefined)) {
		await batchLater(ctx, ready, results);
		return { kind: "accepted", results };
	}
	if (!ready.length) return { kind: "delivered", results };
	const grant = await ctx.limiter.acquire(ready.length);
	const admitted = ready.slice(0, grant.granted);
	const refused = ready.slice(grant.granted);
	const limited = limitedProblem(grant.retryAfterMs, "the api_user");
	for (const { index } of refused) results[index] = limited;
	if (admitted.length || (refused.length && config.routes.fallbackOnLimit)) await ctx.beforeDelivery();
	const report = await deliverMessages(ctx.env, config, admitted, ctx.background);
	// FALLBACK_ON_LIMIT=on: what the api_user's limit refused goes by the second route, outside the grant.
	const over = await deliverOverLimit(ctx.env, config, refused, limited, ctx.background);
	const overResults = over?.results ?? new Map<number, Delivered>();
	if (over) {
		const overRefs = await recordDeliveries(ctx, refused, overResults);
		for (const [index, d] of overResults) results[index] = asItem(d, overRefs.get(index));
	}
	const refs = await recordDeliveries(ctx, admitted, report.results);
	for (const [index, d] of report.results) results[index] = asItem(d, refs.get(index));
	const all = [...report.results.values()];
	await settle(ctx.limiter, grant.at, all);
	const relay = over?.relay && report.relay ? { ...report.relay, fallback: true } : (report.relay ?? over?.relay);
	return {
		kind: "delivered",
		results,
		sent: [...all, ...overResults.values()].filter((d) => d.ok).length,
		...(relay ? { relay } : {}),
	};
}

/** Every valid message accepted for later, in order, as far as the backlog has room. */
async function batchLater(ctx: SendContext, ready: readonly Admitted[], results: BatchItem[]): Promise<void> {
	refusePublicAsync(ctx.caller);
	const env = asyncBindings(ctx.env);
	const room = await backlogRoom(env.DB, ctx.config, ready.length);
	const now = Date.now();
	for (const [n, { index, prepared }] of ready.entries()) {
		try {
			results[index] =
				n < room ? await acceptAsync(env, senderOf(ctx), prepared, sendAtOf(prepared.sendAt, now), now) : backlogFull();
		} catch (error) {
			results[index] = failure(error).problem;
		}
	}
	announceScheduled(ctx, results);
}
