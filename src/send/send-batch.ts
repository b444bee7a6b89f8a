/**
 * Up to 100 messages through the send path, for any door. Each is prepared
 * on its own (a bad one is its own problem result, the rest still go); the
 * good ones are either all accepted for later (async, or any with a sendAt)
 * or admitted with one acquire and delivered; one result per message, in
 * order, as plain data for the door to render.
 */
import { fieldErrors } from "../util/field-path";
import { type Accepted, acceptAsync } from "./accept";
import { asyncBindings, backlogFull, refusePublicAsync, sendAtOf } from "./async-rules";
import { runPooled } from "./batch-plan";
import { publishes, type SendContext, senderOf } from "./context";
import { failure } from "./deliver";
import { deliverMessages, type RelayUse } from "./delivery";
import { limitedProblem } from "./limiter";
import { BatchEnvelopeSchema } from "./message-schema";
import { messageSeed, seededCompose } from "./message-seed";
import { prepareMessage } from "./prepare";
import { type Problem, validationProblem } from "./problem";
import type { SendOptions } from "./send-message";
import { settle } from "./settle";
import { storeOf } from "./store-access";
import { suppressedOf, withoutSuppressed } from "./suppression-check";
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

/** Messages of an async batch accepted at once (each is a spool write, a store call and a queue send). */
const ACCEPTS_AT_ONCE = 10;

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
	const composed: Admitted[] = [];
	const seeds = new Map<number, Uint8Array>();
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
			const seed = ctx.idempotency ? await messageSeed(ctx.idempotency, index) : undefined;
			if (seed) seeds.set(index, seed);
			const compose = seed && ctx.idempotency ? seededCompose(seed, ctx.idempotency.since) : undefined;
			const prepared = await prepareMessage(message, config, ctx.caller, bounds, compose);
			bytesLeft -= prepared.composed.size;
			composed.push({ index, prepared });
		} catch (error) {
			results[index] = failure(error).problem;
		}
	}
	// One suppression lookup for the whole batch.
	const recipients = composed.flatMap((c) => c.prepared.composed.envelope.to);
	const suppressed = await suppressedOf(storeOf(ctx.env), config.smtp.user, recipients);
	const ready: Admitted[] = [];
	for (const { index, prepared } of composed) {
		const kept = withoutSuppressed(prepared, suppressed);
		if ("code" in kept) results[index] = kept;
		else ready.push({ index, prepared: kept });
	}
	if (options.allOrNothing && ready.length < messages.length) return { kind: "refused", results };
	if (options.async || ready.some((r) => r.prepared.sendAt !== undefined)) {
		await batchLater(ctx, ready, results, seeds);
		return { kind: "accepted", results };
	}
	if (!ready.length) return { kind: "delivered", results };
	const permits = await ctx.limiter.acquire(ready.length);
	const admitted = ready.slice(0, permits.granted);
	for (const { index } of ready.slice(permits.granted)) {
		results[index] = limitedProblem(permits.retryAfterMs, "the api_user");
	}
	if (admitted.length) await ctx.beforeDelivery();
	const report = await deliverMessages(ctx.env, config, admitted, ctx.background, permits.deadline);
	const all = [...report.results.values()];
	await settle(ctx.limiter, permits, all);
	const refs = await recordDeliveries(ctx, admitted, report.results);
	for (const [index, d] of report.results) results[index] = asItem(d, refs.get(index));
	return {
		kind: "delivered",
		results,
		sent: all.filter((d) => d.ok).length,
		...(report.relay ? { relay: report.relay } : {}),
	};
}

/** Every valid message accepted for later, in order; one whose shard's backlog is full is its own 429. */
async function batchLater(
	ctx: SendContext,
	ready: readonly Admitted[],
	results: BatchItem[],
	seeds: ReadonlyMap<number, Uint8Array>,
): Promise<void> {
	refusePublicAsync(ctx.caller);
	const env = asyncBindings(ctx.env);
	const now = Date.now();
	await runPooled(
		ready.map(({ index, prepared }) => async () => {
			const seed = seeds.get(index);
			try {
				const accepted = await acceptAsync(env, senderOf(ctx), prepared, sendAtOf(prepared.sendAt, now), now, {
					publish: publishes(ctx.config),
					config: ctx.config,
					...(seed && ctx.idempotency ? { seed: { bytes: seed, since: ctx.idempotency.since } } : {}),
				});
				results[index] = accepted === "full" ? backlogFull() : accepted;
			} catch (error) {
				results[index] = failure(error).problem;
			}
		}),
		ACCEPTS_AT_ONCE,
	);
}
