/**
 * One message through the whole send path, for any door: prepare → (async:
 * accept for later) → admit (one permit) → deliver → settle → record →
 * delivery events. Problems before delivery are thrown as ProblemError; what
 * became of the delivery (sent, or a problem) is returned as plain data, with
 * its record's ref and how it reached the relay, for the door to render.
 */
import { type Accepted, acceptAsync } from "./accept";
import { asyncBindings, backlogFull, refusePublicAsync, sendAtOf } from "./async-rules";
import { publishes, type SendContext, senderOf } from "./context";
import { deliverMessages, type RelayUse } from "./delivery";
import { limitedProblem } from "./limiter";
import { messageSeed, seededCompose } from "./message-seed";
import { messageBounds, prepareMessage } from "./prepare";
import { ProblemError } from "./problem";
import { settle } from "./settle";
import { storeOf } from "./store-access";
import { suppressedOf, withoutSuppressed } from "./suppression-check";
import { recordDeliveries } from "./sync-record";
import type { Delivered, Prepared } from "./types";

export type SendOutcome =
	/** Accepted for later: the consumer delivers it (status queued, or scheduled for its sendAt). */
	| { kind: "accepted"; accepted: Accepted }
	/** Delivered now: sent, or the problem it met; `ref` when D1 is bound; `relay` when it reached the relay. */
	| { kind: "delivered"; delivered: Delivered; ref?: string; relay?: RelayUse };

export interface SendOptions {
	/** The caller asked to send later (`Prefer: respond-async`, RPC's `async`); a `sendAt` implies it. */
	async: boolean;
}

/**
 * Sends one message. `readInput` gives the body (unknown: it is validated
 * here); it is read only once a public key has been refused an async send.
 */
export async function sendMessage(
	ctx: SendContext,
	readInput: () => Promise<unknown>,
	options: SendOptions,
): Promise<SendOutcome> {
	if (options.async) refusePublicAsync(ctx.caller);
	const seed = ctx.idempotency ? await messageSeed(ctx.idempotency, 0) : undefined;
	const compose = seed && ctx.idempotency ? seededCompose(seed, ctx.idempotency.since) : undefined;
	const composed = await prepareMessage(await readInput(), ctx.config, ctx.caller, messageBounds(ctx.config), compose);
	const suppressed = await suppressedOf(storeOf(ctx.env), ctx.config.smtp.user, composed.composed.envelope.to);
	const prepared = withoutSuppressed(composed, suppressed);
	if ("code" in prepared) throw ProblemError.of(prepared);
	if (options.async || prepared.sendAt !== undefined)
		return { kind: "accepted", accepted: await sendLater(ctx, prepared, seed) };
	const permits = await ctx.limiter.acquire(1);
	if (!permits.granted) throw ProblemError.of(limitedProblem(permits.retryAfterMs, "the api_user"));
	await ctx.beforeDelivery();
	const admitted = [{ index: 0, prepared }];
	const report = await deliverMessages(ctx.env, ctx.config, admitted, ctx.background, permits.deadline);
	const delivered = report.results.get(0) as Delivered;
	await settle(ctx.limiter, permits, [delivered]);
	const ref = (await recordDeliveries(ctx, admitted, report.results)).get(0);
	return {
		kind: "delivered",
		delivered,
		...(ref ? { ref } : {}),
		...(report.relay ? { relay: report.relay } : {}),
	};
}

/** Validated and composed, then accepted for the queue — never delivered here. */
async function sendLater(ctx: SendContext, prepared: Prepared, seed: Uint8Array | undefined): Promise<Accepted> {
	refusePublicAsync(ctx.caller);
	const env = asyncBindings(ctx.env);
	const now = Date.now();
	const accepted = await acceptAsync(env, senderOf(ctx), prepared, sendAtOf(prepared.sendAt, now), now, {
		publish: publishes(ctx.config),
		config: ctx.config,
		...(seed && ctx.idempotency ? { seed: { bytes: seed, since: ctx.idempotency.since } } : {}),
	});
	if (accepted === "full") throw ProblemError.of(backlogFull());
	return accepted;
}
