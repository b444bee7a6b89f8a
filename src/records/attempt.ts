/**
 * One delivery attempt of an async message, driven by its record: wait if it
 * is not due, take a permit from the api_user's limiter, deliver through the
 * path the sync send uses (deliverMessages), and move the record to what the
 * outcome means; a final one is handed to the delivery events
 * (events/record-written.ts, as for a sync send). Returns when (if ever) the
 * job should come back.
 */

import type { Config } from "../config";
import type { Bindings } from "../env";
import { recordWritten, webhooksOn } from "../events/record-written";
import { deliverMessages } from "../send/delivery";
import { type Limiter, userLimiter } from "../send/limiter";
import { errorOf, verdictOf } from "../send/outcome";
import { settle } from "../send/settle";
import { dropSpool, spooledMessage } from "../send/spool";
import type { Delivered } from "../send/types";
import { addRelayId, getRecord, moveStatus } from "../store/messages";
import { FINAL_STATUSES, type MessageRecord, WAITING_STATUSES } from "../store/types";
import { limiterWaitMs, retryDelayMs } from "../util/backoff";

/** What the consumer does with the job: done, or back on the queue to be looked at again at `dueAt`. */
export type Next = { done: true } | { done: false; dueAt: number };

const DONE: Next = { done: true };

export interface AttemptContext {
	env: Bindings & { DB: D1Database; SPOOL: R2Bucket };
	config: Config;
	now: () => number;
	/** Spreads a backlog's asks over the limiter's window (Math.random; a test may fix it). */
	random: () => number;
	closeLater: (closing: Promise<void>) => void;
	/** The limiter to take permits from (default: the api_user's). */
	limiter?: Limiter;
}

export async function attemptSend(ctx: AttemptContext, ref: string): Promise<Next> {
	const { env } = ctx;
	const record = await getRecord(env.DB, ref);
	if (!record) return DONE; // deleted by retention, or never written
	if (FINAL_STATUSES.includes(record.status)) {
		await dropSpool(env.SPOOL, record.spoolKey);
		// A redelivered job (say after a crash between the move and its events), or one canceled meanwhile:
		// the events are published once per webhook-id, so this only fills in what is missing.
		await announce(ctx, ref);
		return DONE;
	}
	// `sending`: another delivery of this job is at work (queues deliver at least once).
	if (!WAITING_STATUSES.includes(record.status)) return DONE;
	const now = ctx.now();
	const dueAt = record.nextAttemptAt ?? record.createdAt;
	if (dueAt > now) return { done: false, dueAt };
	if (now >= record.deadlineAt) return giveUp(ctx, record, now, record.lastError);

	// The permit first: a backlog waiting on a full window then costs a limiter call per ask and no write.
	const limiter = ctx.limiter ?? userLimiter(env, ctx.config);
	const grant = await limiter.acquire(1);
	if (!grant.granted) {
		// Smoothed, not refused: back in line when the window has room; not an attempt.
		return { done: false, dueAt: now + limiterWaitMs(grant.retryAfterMs, grant.resetInMs, ctx.random()) };
	}
	if (!(await moveStatus(env.DB, ref, WAITING_STATUSES, "sending"))) {
		await limiter.release(1, grant.at); // canceled meanwhile, or another delivery of this job won
		return DONE;
	}
	const prepared = await spooledMessage(env.SPOOL, record);
	if (!prepared) {
		await limiter.release(1, grant.at);
		const lastError = { code: "internal_error", detail: "the message bytes are gone from the spool" };
		return finish(ctx, record, "failed", { lastError }, now);
	}
	const config = {
		...ctx.config,
		smtp: { ...ctx.config.smtp, ehloName: record.envelope?.ehloName ?? ctx.config.smtp.ehloName },
	};
	// The same way /v1/send delivers (warm pool sessions when on, else a direct session).
	const report = await deliverMessages(env, config, [{ index: 0, prepared }], ctx.closeLater);
	const delivered = report.results.get(0) as Delivered;
	await settle(limiter, grant.at, [delivered]);
	const at = ctx.now();
	const attempts = record.attempts + 1;
	const verdict = verdictOf(delivered);
	const relayId = delivered.ok ? delivered.sent.id : undefined;
	// A retry to recipients refused for now is a message of its own at the relay: its events must find us too.
	if (relayId && record.relayId && relayId !== record.relayId) await addRelayId(env.DB, ref, relayId);
	const detail = delivered.ok
		? {
				attempt: attempts,
				relayId,
				route: delivered.sent.route,
				accepted: delivered.sent.accepted,
				rejected: delivered.sent.rejected,
			}
		: { attempt: attempts, ...errorOf(delivered.problem) };
	if (verdict.final) {
		const lastError = verdict.problem ? errorOf(verdict.problem) : undefined;
		return finish(
			ctx,
			record,
			verdict.status,
			{
				attempts,
				...(relayId && !record.relayId ? { relayId } : {}),
				...(verdict.status === "sent" && delivered.ok ? { sentAt: at, route: delivered.sent.route } : {}),
				...(lastError ? { lastError } : {}),
			},
			at,
			detail,
		);
	}
	const next = at + retryDelayMs(attempts, verdict.retryAfterMs);
	if (next >= record.deadlineAt) {
		return giveUp(ctx, { ...record, status: "sending", attempts }, at, errorOf(verdict.problem), detail);
	}
	await moveStatus(
		env.DB,
		ref,
		["sending"],
		"queued",
		{
			attempts,
			nextAttemptAt: next,
			lastError: errorOf(verdict.problem),
			...(relayId && !record.relayId ? { relayId } : {}),
			...(verdict.onlyTo ? { pendingTo: verdict.onlyTo } : {}),
		},
		{ type: "attempt_failed", at, detail: { ...detail, retryAt: new Date(next).toISOString() } },
	);
	return { done: false, dueAt: next };
}

async function finish(
	ctx: AttemptContext,
	record: MessageRecord,
	status: "sent" | "failed" | "unknown",
	change: Parameters<typeof moveStatus>[4],
	at: number,
	detail?: unknown,
): Promise<Next> {
	const moved = await moveStatus(
		ctx.env.DB,
		record.ref,
		["sending", ...WAITING_STATUSES],
		status,
		{ ...change, final: true },
		{
			type: status,
			at,
			...(detail === undefined ? {} : { detail }),
		},
	);
	await dropSpool(ctx.env.SPOOL, record.spoolKey);
	if (moved) await announce(ctx, record.ref);
	return DONE;
}

/** The final record to the delivery events: provider events that came first attached, webhooks queued. */
function announce(ctx: AttemptContext, ref: string): Promise<void> {
	return recordWritten(ctx.env.DB, ctx.env.SEND_QUEUE, webhooksOn(ctx.config.events), ref, ctx.now());
}

/** Past the 24-hour window: failed with the last transient problem. */
function giveUp(ctx: AttemptContext, record: MessageRecord, at: number, lastError: unknown, detail?: unknown) {
	const why = {
		code: "delivery_expired",
		detail: `not delivered within 24 hours (${record.attempts} attempts)`,
		last: lastError,
	};
	return finish(ctx, record, "failed", { attempts: record.attempts, lastError: why }, at, detail ?? why);
}
