/**
 * One message through the whole send path, for any door: prepare → (async:
 * accept for later) → admit (one permit) → deliver → settle → record →
 * delivery events. Problems before delivery are thrown as ProblemError; what
 * became of the delivery (sent, or a problem) is returned as plain data, with
 * its record's ref and how it reached the relay, for the door to render.
 */
import { recordsWritten } from "../events/record-written";
import { type Accepted, acceptAsync } from "./accept";
import { asyncBindings, backlogFull, backlogRoom, refusePublicAsync, sendAtOf } from "./async-rules";
import { type SendContext, senderOf } from "./context";
import { type DeliveryReport, deliverMessages, deliverOverLimit, type RelayUse } from "./delivery";
import { limitedProblem } from "./limiter";
import { prepareMessage } from "./prepare";
import { ProblemError } from "./problem";
import { settle } from "./settle";
import { recordDeliveries } from "./sync-record";
import type { Admitted, Delivered, Prepared } from "./types";

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
	const prepared = await prepareMessage(await readInput(), ctx.config, ctx.caller, ctx.env.DB);
	if (options.async || prepared.sendAt !== undefined)
		return { kind: "accepted", accepted: await sendLater(ctx, prepared) };
	const grant = await ctx.limiter.acquire(1);
	const admitted = [{ index: 0, prepared }];
	if (!grant.granted) {
		const limited = limitedProblem(grant.retryAfterMs, "the api_user");
		if (!ctx.config.routes.fallbackOnLimit) throw ProblemError.of(limited);
		await ctx.beforeDelivery();
		const over = await deliverOverLimit(ctx.env, ctx.config, admitted, limited, ctx.background);
		if (!over) throw ProblemError.of(limited);
		return delivered(ctx, admitted, over);
	}
	await ctx.beforeDelivery();
	const report = await deliverMessages(ctx.env, ctx.config, admitted, ctx.background);
	await settle(ctx.limiter, grant.at, [report.results.get(0) as Delivered]);
	return delivered(ctx, admitted, report);
}

/** The outcome of a delivery, recorded. */
async function delivered(ctx: SendContext, admitted: Admitted[], report: DeliveryReport): Promise<SendOutcome> {
	const ref = (await recordDeliveries(ctx, admitted, report.results)).get(0);
	return {
		kind: "delivered",
		delivered: report.results.get(0) as Delivered,
		...(ref ? { ref } : {}),
		...(report.relay ? { relay: report.relay } : {}),
	};
}

/** `message.scheduled` for each accepted message that waits for its sendAt (in the background). */
export function announceScheduled(ctx: SendContext, accepted: readonly unknown[]): void {
	const refs = accepted.flatMap((a) =>
		typeof a === "object" && a !== null && "status" in a && a.status === "scheduled" && "ref" in a
			? [String(a.ref)]
			: [],
	);
	const db = ctx.env.DB;
	if (db && refs.length) ctx.background(recordsWritten(db, ctx.env.SEND_QUEUE, ctx.config.events, refs));
}

/** Validated and composed, then accepted for the queue — never delivered here. */
async function sendLater(ctx: SendContext, prepared: Prepared): Promise<Accepted> {
	refusePublicAsync(ctx.caller);
	const env = asyncBindings(ctx.env);
	if ((await backlogRoom(env.DB, ctx.config, 1)) < 1) throw ProblemError.of(backlogFull());
	const now = Date.now();
	const accepted = await acceptAsync(env, senderOf(ctx), prepared, sendAtOf(prepared.sendAt, now), now);
	announceScheduled(ctx, [accepted]);
	return accepted;
}
