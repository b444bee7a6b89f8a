/**
 * The `send` jobs of one queue batch, delivered together: one limiter call
 * for the batch's permits (and one to settle them), the spooled bytes read
 * before anything changes, then each record claimed (a lease, conditional on
 * what the record is now: a stale copy of a job gets only what is still to
 * deliver), the recipients checked against the suppression list at delivery
 * time (one lookup for the batch), delivered through the one send path, and
 * finished. A claim is the only point after which a killed invocation leaves
 * `unknown` (its lease runs out): everything that can fail on our side comes
 * before it, or releases it.
 */
import type { Config } from "../config";
import type { Bindings } from "../env";
import type { Permits } from "../limit";
import type { AsyncBindings } from "../send/accept";
import { deliverMessages } from "../send/delivery";
import type { Limiter } from "../send/limiter";
import { type Problem, problem, type Rejected } from "../send/problem";
import { COOL_MS } from "../send/smtp-problem";
import { claimedMessage, readSpool } from "../send/spool";
import { suppressedOf, suppressedReply } from "../send/suppression-check";
import type { Delivered, Prepared } from "../send/types";
import { type DueJob, sendJobs, webhookJobs } from "../store/jobs";
import { indexRelayIds, shardOf } from "../store/messages-client";
import { placeOf, shardName } from "../store/ref";
import type { Claimed, Outcome } from "../store/shard-lifecycle";
import { limiterWaitMs } from "../util/backoff";
import { outcomeOf } from "./outcome-of";

export interface SendJobsContext {
	env: Bindings & AsyncBindings;
	config: Config;
	now: () => number;
	/** Spreads a backlog's asks over the limiter's window (Math.random; a test may fix it). */
	random: () => number;
	closeLater: (closing: Promise<void>) => void;
	limiter: Limiter;
}

/** What the consumer does with each job: ack it, look again at `dueAt` (a new queue message), or let the queue retry. */
export type JobVerdict = { kind: "ack" } | { kind: "again"; dueAt: number } | { kind: "retry" };

const ACK: JobVerdict = { kind: "ack" };

/** One job's way through the batch. */
interface Job {
	ref: string;
	bytes?: Uint8Array;
	claimed?: Claimed;
	prepared?: Prepared;
	delivered?: Delivered;
	/** Its permit was not used (so the limiter gets it back). */
	unused: boolean;
	verdict: JobVerdict;
}

export async function deliverSendJobs(ctx: SendJobsContext, refs: readonly string[]): Promise<Map<string, JobVerdict>> {
	const jobs: Job[] = [...new Set(refs)].map((ref) => ({ ref, unused: true, verdict: { kind: "retry" } }));
	const permits = await ctx.limiter.acquire(jobs.length);
	const granted = jobs.slice(0, permits.granted);
	const queued: DueJob[] = [];
	try {
		await deferRefused(ctx, jobs.slice(permits.granted), permits);
		await Promise.all(granted.map((job) => readAndClaim(ctx, job, queued)));
		await dropSuppressed(ctx, granted, queued);
		await deliver(ctx, granted, queued, permits.deadline);
	} finally {
		await settleGrant(ctx, granted, permits);
		if (queued.length) await sendJobs(ctx.env.SEND_QUEUE, queued).catch(logQueueError);
	}
	return new Map(jobs.map((job) => [job.ref, job.verdict]));
}

/** Jobs the limiter had no permit for: back when the window has room; their shards expect them then. */
async function deferRefused(
	ctx: SendJobsContext,
	refused: Job[],
	grant: { retryAfterMs: number; state: { resetInMs: number } },
): Promise<void> {
	const now = ctx.now();
	const byShard = new Map<string, { refs: string[]; until: number }>();
	for (const job of refused) {
		const dueAt = now + limiterWaitMs(grant.retryAfterMs, grant.state.resetInMs, ctx.random());
		job.verdict = { kind: "again", dueAt };
		const place = placeOf(job.ref);
		if (!place) continue;
		const group = byShard.get(shardName(place)) ?? { refs: [], until: 0 };
		group.refs.push(job.ref);
		group.until = Math.max(group.until, dueAt);
		byShard.set(shardName(place), group);
	}
	// Only so the sweep does not take them for lost: a failure here costs at most a duplicate job.
	await Promise.all(
		[...byShard].map(([, { refs, until }]) =>
			shardOf(ctx.env, refs[0] as string)
				?.defer(refs, until)
				.catch(logQueueError),
		),
	);
}

/** The bytes first (a failed read changes nothing), then the claim. */
async function readAndClaim(ctx: SendJobsContext, job: Job, queued: DueJob[]): Promise<void> {
	const shard = shardOf(ctx.env, job.ref);
	const place = placeOf(job.ref);
	if (!shard || !place) {
		job.verdict = ACK; // not a ref of ours
		return;
	}
	try {
		job.bytes = await readSpool(ctx.env.SPOOL, job.ref);
		const claim = await shard.claim(job.ref, ctx.now());
		if (claim.kind === "claimed") {
			job.claimed = claim;
			if (!job.bytes) await finishWith(ctx, job, gone(), queued);
			return;
		}
		if (claim.kind === "wait") job.verdict = { kind: "again", dueAt: claim.dueAt };
		else {
			// final (maybe ended here: an expired lease), busy (its lease holder finishes it), or gone
			if (claim.kind === "final") queued.push(...webhookJobs(shardName(place), claim.outbox));
			job.verdict = ACK;
		}
	} catch (error) {
		logJobError(job.ref, error);
	}
}

/** One lookup for every claimed recipient; a message left with none fails `recipient_suppressed`. */
async function dropSuppressed(ctx: SendJobsContext, jobs: Job[], queued: DueJob[]): Promise<void> {
	const claimed = jobs.filter((job) => job.claimed && job.bytes && job.verdict.kind === "retry");
	if (!claimed.length) return;
	let suppressed: Set<string>;
	try {
		suppressed = await suppressedOf(
			ctx.env,
			ctx.config.smtp.user,
			claimed.flatMap((job) => job.claimed?.to ?? []),
		);
	} catch (error) {
		// Nothing reached the relay: the claims go back, the jobs come back.
		logJobError("suppression lookup", error);
		await Promise.all(claimed.map((job) => releaseClaim(ctx, job)));
		return;
	}
	for (const job of claimed) {
		const { claimed: claim, bytes } = job;
		if (!claim || !bytes) continue;
		const to = claim.to.filter((a) => !suppressed.has(a.toLowerCase()));
		if (to.length) job.prepared = claimedMessage(claim, bytes, to);
		else {
			const refused: Rejected[] = claim.to.map((address) => ({
				address,
				code: "recipient_suppressed",
				reply: suppressedReply,
			}));
			const p = problem("recipient_suppressed", "every recipient is on the suppression list", { rejected: refused });
			await finishWith(ctx, job, p, queued);
		}
	}
}

/** Delivers the prepared ones (grouped by the EHLO name each record was accepted with) and finishes each. */
async function deliver(
	ctx: SendJobsContext,
	jobs: Job[],
	queued: DueJob[],
	deadline: Permits["deadline"],
): Promise<void> {
	const ready = jobs.filter((job) => job.prepared && job.claimed);
	if (ready.length && Date.now() >= deadline.startBy) {
		// The grant is too old to start a transaction on (a slow batch): back in line, not an attempt.
		await Promise.all(ready.map((job) => releaseClaim(ctx, job, { kind: "again", dueAt: ctx.now() })));
		return;
	}
	const byEhlo = new Map<string, Job[]>();
	for (const job of ready) {
		const name = job.claimed?.envelope.ehloName ?? ctx.config.smtp.ehloName;
		byEhlo.set(name, [...(byEhlo.get(name) ?? []), job]);
	}
	for (const [ehloName, group] of byEhlo) {
		const config = { ...ctx.config, smtp: { ...ctx.config.smtp, ehloName } };
		const admitted = group.map((job, index) => ({ index, prepared: job.prepared as Prepared }));
		// The same way /v1/send delivers (warm pool sessions when on, else direct sessions).
		const report = await deliverMessages(ctx.env, config, admitted, ctx.closeLater, deadline);
		const relayIds: { relayId: string; ref: string }[] = [];
		await Promise.all(
			group.map(async (job, index) => {
				const delivered = report.results.get(index) as Delivered;
				job.unused = !delivered.ok && delivered.release;
				job.delivered = delivered;
				const relayId = await finishJob(ctx, job, outcomeOf(job.claimed as Claimed, delivered, ctx.now()), queued);
				if (relayId) relayIds.push({ relayId, ref: job.ref });
			}),
		);
		if (relayIds.length) {
			queued.push(...(await indexRelayIds(ctx.env, relayIds, ctx.now()).catch(logIndexError)));
		}
	}
}

/** Ends a claimed job before delivery (its bytes gone, or no recipient left): failed, its permit unused. */
async function finishWith(ctx: SendJobsContext, job: Job, p: Problem, queued: DueJob[]): Promise<void> {
	const lastError = { code: p.code, detail: p.detail, ...(p.rejected ? { rejected: p.rejected } : {}) };
	await finishJob(ctx, job, { kind: "final", status: "failed", lastError, detail: lastError }, queued);
}

/** Writes the outcome; answers the relay id to index, if it has a new one. */
async function finishJob(
	ctx: SendJobsContext,
	job: Job,
	outcome: Outcome,
	queued: DueJob[],
): Promise<string | undefined> {
	const { claimed } = job;
	const place = placeOf(job.ref);
	if (!claimed || !place) return undefined;
	try {
		const finished = await shardOf(ctx.env, job.ref)?.finish(job.ref, claimed.token, outcome, ctx.now());
		if (finished?.kind === "finished") queued.push(...webhookJobs(shardName(place), finished.outbox));
		job.verdict =
			outcome.kind === "retry" && finished?.kind === "finished" ? { kind: "again", dueAt: outcome.nextAttemptAt } : ACK;
		return finished?.kind === "finished" ? finished.relayIds[0] : undefined;
	} catch (error) {
		// The outcome is not written: the lease runs out and the record ends `unknown`, or a retry finishes it.
		logJobError(job.ref, error);
		job.verdict = { kind: "retry" };
		return undefined;
	}
}

/** Gives a claim back before anything reached the relay; the job comes back as `verdict` says. */
async function releaseClaim(ctx: SendJobsContext, job: Job, verdict: JobVerdict = { kind: "retry" }): Promise<void> {
	const { claimed } = job;
	if (!claimed) return;
	await shardOf(ctx.env, job.ref)
		?.release(job.ref, claimed.token, ctx.now())
		.catch((error: unknown) => logJobError(job.ref, error));
	job.claimed = undefined;
	job.verdict = verdict;
}

/**
 * One settle for the batch: permits not used back, the others counted from
 * now; a 536 cools the limiter. A settle that fails leaves them counted until
 * their bound: never too few.
 */
async function settleGrant(ctx: SendJobsContext, granted: Job[], permits: Permits): Promise<void> {
	if (!granted.length) return;
	const released = granted.filter((job) => job.unused).length;
	try {
		await ctx.limiter.settle(permits, { sent: granted.length - released, released });
		if (granted.some((job) => job.delivered && !job.delivered.ok && job.delivered.cool)) {
			await ctx.limiter.cool(COOL_MS);
		}
	} catch (error) {
		logJobError("settle", error);
	}
}

const gone = (): Problem => problem("internal_error", "the message bytes are gone from the spool");

function logJobError(what: string, error: unknown): void {
	console.error(JSON.stringify({ level: "error", msg: "send job failed", ref: what, error: String(error) }));
}

function logQueueError(error: unknown): void {
	console.warn(
		JSON.stringify({ level: "warn", msg: "queue or store call failed (the sweep covers it)", error: String(error) }),
	);
}

function logIndexError(error: unknown): DueJob[] {
	logQueueError(error);
	return [];
}
