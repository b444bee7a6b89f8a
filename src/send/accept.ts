/**
 * Accepting a message for later: its bytes to the spool (R2, `spool/<ref>`),
 * its place noted in the directory, its `queued` or `scheduled` record in its
 * MessageShard (one call, which also keeps the shard's share of the backlog
 * cap), then a `send` job on the queue. Each step is safe to repeat and a
 * crash between two leaves a state the shard's sweep completes: a record whose
 * job never got queued is queued by the sweep; a send due more than the
 * queue's longest delay ahead is queued by the sweep when it comes near.
 */
import type { Config } from "../config";
import { type DueJob, delayFor, type QueueJob, type SendJob, sendJobs, webhookJobs } from "../store/jobs";
import { notePlace, type StoreBindings, shardOf } from "../store/messages-client";
import { newRef, placeOf, SHARDS_PER_DAY, shardName } from "../store/ref";
import type { Envelope } from "../store/types";
import { DELIVERY_WINDOW_MS } from "../util/backoff";
import { spool } from "./spool";
import type { Prepared } from "./types";

export type { SendJob };

export interface AsyncBindings extends StoreBindings {
	SEND_QUEUE: Queue<QueueJob>;
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
}

/** What the record of `prepared` holds from the start, whatever its status. */
export const recordBase = (sender: Sender, prepared: Prepared, ref: string, createdAt: number, publish: boolean) => ({
	ref,
	owner: sender.owner,
	apiUser: sender.apiUser,
	messageId: prepared.composed.messageId,
	from: prepared.composed.envelope.from,
	to: prepared.composed.envelope.to,
	subject: prepared.subject,
	labelId: prepared.labelId ?? null,
	tags: prepared.tags ?? [],
	addresses: prepared.addresses ?? null,
	createdAt,
	publish,
});

export const envelopeOf = (prepared: Prepared, ehloName: string): Envelope => ({
	from: prepared.composed.envelope.from,
	to: prepared.composed.envelope.to,
	size: prepared.composed.size,
	eightBit: prepared.composed.eightBit,
	smtpUtf8: prepared.composed.smtpUtf8,
	ehloName,
});

export interface AcceptOptions {
	/** Whether its events go out as webhooks (EVENTS_WEBHOOK_URL and its secret set). */
	publish: boolean;
	config: Config;
	/** A seeded message (an idempotent retry): its ref from the seed, created at the key's first time. */
	seed?: { bytes: Uint8Array; since: number };
}

/** The backlog cap each shard keeps: MAX_BACKLOG spread over a day's shards. */
export const shardBacklog = (config: Config) => Math.max(1, Math.ceil(config.records.maxBacklog / SHARDS_PER_DAY));

/** Accepts one prepared message for the queue; `full` when its shard's share of the backlog is taken. */
export async function acceptAsync(
	env: AsyncBindings,
	sender: Sender,
	prepared: Prepared,
	sendAt: number | undefined,
	now: number,
	options: AcceptOptions,
): Promise<Accepted | "full"> {
	const createdAt = options.seed?.since ?? now;
	const ref = newRef(createdAt, options.seed?.bytes);
	const dueAt = sendAt !== undefined && sendAt > now ? sendAt : now;
	await notePlace(env, sender.owner, ref);
	await spool(env.SPOOL, ref, prepared.composed);
	const shard = shardOf(env, ref);
	const place = placeOf(ref);
	if (!shard || !place) throw new Error(`internal: ${ref} names no shard`);
	const accepted = await shard.accept(
		{
			...recordBase(sender, prepared, ref, createdAt, options.publish),
			dueAt,
			sendAt: sendAt ?? null,
			// A scheduled send has its 24 hours from when it is due.
			deadlineAt: dueAt + DELIVERY_WINDOW_MS,
			envelope: envelopeOf(prepared, sender.ehloName),
			maxOpen: shardBacklog(options.config),
		},
		now,
	);
	if (accepted.kind === "full") {
		await env.SPOOL.delete(`spool/${ref}`).catch(() => {});
		return "full";
	}
	const jobs: DueJob[] = webhookJobs(shardName(place), accepted.outbox);
	if (accepted.queueNow) {
		const job: SendJob = { kind: "send", ref };
		jobs.push({ job, delaySeconds: delayFor(dueAt, now) });
	}
	// Not queued now (the queue failed us): the shard's sweep queues them within minutes.
	await sendJobs(env.SEND_QUEUE, jobs).catch((error: unknown) =>
		console.warn(JSON.stringify({ level: "warn", msg: "send job not queued", ref, error: String(error) })),
	);
	return { ref, status: accepted.status, messageId: prepared.composed.messageId };
}
