/**
 * What the orchestrator asks a client to do, as plain JSON: the same job goes
 * to the bench worker (edgesend, worker-mailer inside workerd) and to the
 * nodemailer driver in Node, so every client does exactly the same work.
 */
import { type BenchMessage, recipients, smallMessage, textMessage } from "./messages.ts";

export type Client = "edgesend" | "worker-mailer" | "nodemailer";

export interface SendJob {
	/** The latency proxy's port, in front of the relay. */
	port: number;
	security: "starttls" | "tls";
	/** "small": one short receipt; "batch": ~10 KB messages. */
	kind: "small" | "batch";
	/** Messages to deliver in this job. */
	messages: number;
	/** Recipients per message. */
	recipients: number;
	/** Connections to spread the messages over, each reused for all its messages. */
	sessions: number;
}

export interface SendResult {
	/** Wall time from the first connect to the last message's final 250 (QUIT not included). */
	ms: number;
	delivered: number;
}

/** One message through the RelayPool or directly (bench/worker/pool.ts). */
export interface PoolSendJob {
	port: number;
	security: "starttls" | "tls";
	via: "pool" | "direct";
}

export interface PoolSendResult {
	/** Wall time around the delivery alone (compose excluded). */
	ms: number;
	/** For `pool`: whether the pool reported a warm session. */
	warm: boolean;
	delivered: number;
	/** Every pool shard was busy: sent directly. */
	fellBack: boolean;
}

export interface LimiterJob {
	/**
	 * What one send (or one batch) asks of the limiter, as the send path asks it: acquire, then settle.
	 * latency: `permits` sends of one permit, one after another; throughput: `concurrency` sends in flight.
	 */
	mode: "throughput" | "latency";
	/** Permits in total. */
	permits: number;
	/** Permits per acquire (1 for a sync send, 100 for a batch). */
	batch: number;
	/** Sends in flight at once. */
	concurrency: number;
	/** RateLimiter objects the budget is split over (1: one object, as below 5,000 a minute). */
	shards: number;
	/** Also settle each grant (a send's second call). */
	settle: boolean;
}

export interface LimiterResult {
	ms: number;
	granted: number;
	/** Calls made to the objects (acquire and settle). */
	calls: number;
}

/** The messages of a job, in order. */
export function jobMessages(job: SendJob): BenchMessage[] {
	return Array.from({ length: job.messages }, (_, i) => {
		const message = job.kind === "small" ? smallMessage(recipients(job.recipients)) : textMessage(10_000, i);
		if (job.kind === "batch") message.to = recipients(job.recipients);
		return message;
	});
}

/** Deals `items` round-robin into `groups` lists (one per session). */
export function deal<T>(items: T[], groups: number): T[][] {
	const out: T[][] = Array.from({ length: Math.max(1, Math.min(groups, items.length)) }, () => []);
	items.forEach((item, i) => {
		out[i % out.length].push(item);
	});
	return out;
}

export const relayCredentials = { user: "api_user", pass: "api_key" } as const;
export const ehloName = "bench.edgesend.test";
