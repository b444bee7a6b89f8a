/**
 * What the event tests share: EngageLab-shaped callback bodies, signing them
 * as the provider does (hex HMAC-SHA256 of the timestamp, or the md5 variant),
 * posting them to the app, webhook receivers in the Node process, a tap on
 * SEND_QUEUE that keeps the jobs the app and the consumer queue, and running
 * those jobs through the real consumer (src/records/consumer.ts) with the
 * test's own settings, and a sent record written straight to D1 (as a send
 * would have, before it announced itself).
 */

import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { UNMATCHED_HOLD_MS } from "../../src/events/held-events";
import type { QueueJob } from "../../src/records/consumer";
import { createRecord } from "../../src/store/messages";
import { baseEnv, call, type Overrides } from "../api/support";
import { control } from "../helpers/relay";
import { consumeJobs } from "../records/support";

export const ENGAGELAB_KEY = "test-engagelab-app-key";
export const eventSettings: Overrides = { ENGAGELAB_WEBHOOK_KEY: ENGAGELAB_KEY };

const hexOf = (bytes: ArrayBuffer) =>
	Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");

export async function hmacHex(key: string, timestamp: string): Promise<string> {
	const k = await crypto.subtle.importKey(
		"raw",
		new TextEncoder().encode(key),
		{ name: "HMAC", hash: "SHA-256" },
		false,
		["sign"],
	);
	return hexOf(await crypto.subtle.sign("HMAC", k, new TextEncoder().encode(timestamp)));
}

export async function md5Hex(text: string): Promise<string> {
	return hexOf(await crypto.subtle.digest("MD5", new TextEncoder().encode(text)));
}

let unique = 0;
/** A relay id in the provider's format, unique in this run. */
export const relayId = (tag: string) => `${Date.now()}_${++unique}_${tag}.sc-10_0_0_1-inbound`;

/** A status callback (delivered, soft_bounce, invalid_email, sent, target). */
export const statusCallback = (id: string, status: string, to: string, extra: Record<string, unknown> = {}) => ({
	server: "email",
	message_id: id,
	itime: Date.now(),
	status: {
		message_status: status,
		status_data: {
			email_id: `${id}0$${to}`,
			task_id: "-1",
			api_user: "api_user",
			message: `${status} by test`,
			...extra,
		},
	},
	custom_args: {},
});

/** A user-response callback (open, click, unsubscribe, report_spam). */
export const responseCallback = (id: string, event: string, to: string) => ({
	server: "email",
	message_id: id,
	itime: Date.now(),
	response: { event, response_data: { email_id: `${id}0$${to}`, api_user: "api_user" } },
});

export interface SignOptions {
	timestamp?: string;
	signature?: string | null;
	scheme?: "hmac" | "md5";
}

/** POSTs a callback body signed as the provider signs it (or as `options` say). */
export async function postCallback(
	body: unknown,
	options: SignOptions = {},
	overrides: Overrides = {},
): Promise<Response> {
	const timestamp = options.timestamp ?? String(Date.now());
	const appKey = "email";
	const signature =
		options.signature !== undefined
			? options.signature
			: options.scheme === "md5"
				? await md5Hex(`${timestamp}${appKey}${ENGAGELAB_KEY}`)
				: await hmacHex(ENGAGELAB_KEY, timestamp);
	const headers: Record<string, string> = { "Content-Type": "application/json", "X-WebHook-AppKey": appKey };
	if (signature !== null) {
		headers["X-WebHook-Timestamp"] = timestamp;
		headers["X-WebHook-Signature"] = signature;
	}
	return call(
		"/v1/events/engagelab",
		{ method: "POST", headers, body: typeof body === "string" ? body : JSON.stringify(body) },
		{ ...eventSettings, ...overrides },
	);
}

export interface Received {
	path: string;
	headers: Record<string, string>;
	body: string;
	answered: number;
}

/** A webhook receiver in the Node process answering `statuses` in turn, then 200. */
export async function startReceiver(statuses: number[] = []) {
	const { port } = (await control("/receivers", { method: "POST", body: JSON.stringify({ statuses }) })) as {
		port: number;
	};
	return {
		url: `http://127.0.0.1:${port}/hooks`,
		requests: async () => ((await control(`/receivers/${port}`)) as { requests: Received[] }).requests,
		stop: () => control(`/receivers/${port}`, { method: "DELETE" }),
	};
}

/**
 * SEND_QUEUE for one test: each job goes on to the suite's queue (which
 * nobody consumes) and is kept here, so the test can hand exactly the jobs
 * the app and the consumer queued to the consumer (test/records/support.ts).
 */
export function tapQueue() {
	const queued: { body: QueueJob; delaySeconds?: number }[] = [];
	const queue = {
		async send(body: QueueJob, options?: { delaySeconds?: number }) {
			queued.push({ body, ...(options?.delaySeconds === undefined ? {} : { delaySeconds: options.delaySeconds }) });
			await baseEnv.SEND_QUEUE?.send(body, options);
		},
	};
	return {
		queue,
		/** As an override: `{ ...tap.binding }`. */
		binding: { SEND_QUEUE: queue } as unknown as Overrides,
		/** The jobs queued since the last call, in order (and forgets them). */
		take(): { body: QueueJob; delaySeconds?: number }[] {
			return queued.splice(0, queued.length);
		},
	};
}

/** EVENTS_WEBHOOK_SECRET for the tests that run webhook jobs through the consumer. */
export const SECRET = `whsec_${btoa("edgesend-async-events-secret-32b")}`;

/** An outbound event as a receiver reads it. */
export interface Posted {
	type: string;
	timestamp: string;
	data: { ref: string | null; messageId: string | null; relayId: string; to: string | null; detail: string | null };
}

/** Settings for one test: its receiver, its own tap on the queue, and more. */
export function settingsFor(url: string, extra: Overrides = {}) {
	const tap = tapQueue();
	const settings: Overrides = { EVENTS_WEBHOOK_URL: url, EVENTS_WEBHOOK_SECRET: SECRET, ...tap.binding, ...extra };
	return { tap, settings };
}

export const bodiesOf = (jobs: { body: QueueJob }[], kind: string) =>
	jobs.map((j) => j.body).filter((b) => b.kind === kind);

/**
 * Hands the webhook jobs the tap saw to the consumer until none comes back,
 * its clock moved on by the delay each round re-queued them with (one
 * waiting behind an earlier event of its message comes back a second later).
 * Answers the first round's jobs.
 */
export async function runWebhookJobs(tap: ReturnType<typeof tapQueue>, settings: Overrides, rounds = 5) {
	let at = Date.now();
	let queued = tap.take();
	const first = bodiesOf(queued, "webhook");
	for (let i = 0; i < rounds && queued.length; i++) {
		await consumeJobs(bodiesOf(queued, "webhook"), settings, at);
		queued = tap.take();
		at += Math.max(0, ...queued.map((j) => (j.delaySeconds ?? 0) * 1000));
	}
	expect(queued).toEqual([]);
	return first;
}

/** A sent record with relay id `relay`, written to D1 without its events announced (recordWritten not called). */
export async function sentRecord(relay: string): Promise<string> {
	const ref = `msg_test${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
	const now = Date.now();
	await createRecord(
		env.DB,
		{
			ref,
			owner: "key:test",
			apiUser: "api_user",
			status: "sent",
			messageId: "<m@example.com>",
			from: "a@example.com",
			to: ["ben@example.com"],
			subject: "s",
			createdAt: now,
			deadlineAt: now + 86_400_000,
			relayId: relay,
			sentAt: now,
			attempts: 1,
		},
		{ type: "sent", at: now },
	);
	return ref;
}

/** When the hold of the provider event `id` is over: counted from when its callback was received. */
export async function holdEndOf(id: string): Promise<number> {
	const row = await env.DB.prepare("SELECT received_at FROM provider_events WHERE id = ?")
		.bind(id)
		.first<{ received_at: number }>();
	if (!row) throw new Error(`no provider event ${id}`);
	return row.received_at + UNMATCHED_HOLD_MS;
}
