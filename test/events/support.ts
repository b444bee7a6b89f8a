/**
 * What the event tests share: EngageLab-shaped callback bodies, signing them
 * as the provider does (hex HMAC-SHA256 of the timestamp, or the md5 variant),
 * posting them to the app, webhook receivers in the Node process, a tap on
 * SEND_QUEUE that keeps the jobs the app, the consumer and the store queue,
 * running those jobs through the real consumer (src/records/consumer.ts)
 * with the test's own settings and clock, and records written through the
 * store (MessageShard) as the send path writes them.
 */

import { env } from "cloudflare:workers";
import { expect } from "vitest";
import type { OutboundEvent } from "../../src/events/standard-webhooks";
import { type DueJob, type StoreJob, webhookJobs } from "../../src/store/jobs";
import { indexRelayIds } from "../../src/store/messages-client";
import { newRef, placeOf, shardName } from "../../src/store/ref";
import type { SyncInput } from "../../src/store/shard-lifecycle";
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

/** Runs `test` with a receiver answering `statuses` in turn (then 200), stopped afterwards whatever happens. */
export async function withReceiver(
	statuses: number[],
	test: (receiver: Awaited<ReturnType<typeof startReceiver>>) => Promise<void>,
): Promise<void> {
	const receiver = await startReceiver(statuses);
	try {
		await test(receiver);
	} finally {
		await receiver.stop();
	}
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
	const queued: { body: StoreJob; delaySeconds?: number }[] = [];
	const keep = (body: StoreJob, delaySeconds: number | undefined) =>
		queued.push({ body, ...(delaySeconds === undefined ? {} : { delaySeconds }) });
	const queue = {
		async send(body: StoreJob, options?: { delaySeconds?: number }) {
			keep(body, options?.delaySeconds);
			await baseEnv.SEND_QUEUE?.send(body, options);
		},
		async sendBatch(messages: Iterable<{ body: StoreJob; delaySeconds?: number }>) {
			const all = [...messages];
			for (const m of all) keep(m.body, m.delaySeconds);
			await baseEnv.SEND_QUEUE?.sendBatch(all);
		},
	};
	return {
		queue,
		/** As an override: `{ ...tap.binding }`. */
		binding: { SEND_QUEUE: queue } as unknown as Overrides,
		/** The jobs queued since the last call, in order (and forgets them). */
		take(): { body: StoreJob; delaySeconds?: number }[] {
			return queued.splice(0, queued.length);
		},
	};
}

/** EVENTS_WEBHOOK_SECRET for the tests that run webhook jobs through the consumer. */
export const SECRET = `whsec_${btoa("edgesend-async-events-secret-32b")}`;

/** An outbound event as a receiver reads it. */
export type Posted = OutboundEvent;

/** Puts jobs the store answered (nobody queued them yet) on the tap's queue, as the send path would. */
export async function enqueue(tap: ReturnType<typeof tapQueue>, jobs: readonly DueJob[]): Promise<void> {
	if (jobs.length) await tap.queue.sendBatch(jobs.map(({ job, delaySeconds }) => ({ body: job, delaySeconds })));
}

/** Settings for one test: its receiver, its own tap on the queue, and more. */
export function settingsFor(url: string, extra: Overrides = {}) {
	const tap = tapQueue();
	const settings: Overrides = { EVENTS_WEBHOOK_URL: url, EVENTS_WEBHOOK_SECRET: SECRET, ...tap.binding, ...extra };
	return { tap, settings };
}

export const bodiesOf = (jobs: { body: StoreJob }[], kind: StoreJob["kind"]) =>
	jobs.map((j) => j.body).filter((b) => b.kind === kind);

/**
 * Hands the webhook jobs the tap saw to the consumer until none comes back,
 * its clock moved on by the delay each round re-queued them with (one
 * waiting behind an earlier event of its message comes back a second later).
 * Answers the first round's jobs.
 */
export async function runWebhookJobs(tap: ReturnType<typeof tapQueue>, settings: Overrides, at = Date.now()) {
	let queued = tap.take();
	const first = bodiesOf(queued, "webhook");
	for (let i = 0; i < 5 && queued.length; i++) {
		await consumeJobs(bodiesOf(queued, "webhook"), settings, at);
		queued = tap.take();
		at += Math.max(0, ...queued.map((j) => (j.delaySeconds ?? 0) * 1000));
	}
	expect(queued).toEqual([]);
	return first;
}

/** The MessageShard holding `ref`, and its name (what a webhook job names). */
export function shardOfRef(ref: string) {
	const place = placeOf(ref);
	if (!place) throw new Error(`not a ref: ${ref}`);
	const name = shardName(place);
	return { name, shard: env.MESSAGES.getByName(name) };
}

let records = 0;
/** A sync send's final record, as the send path hands it to the store. */
export function syncInput(relay: string | null, over: Partial<SyncInput> = {}): SyncInput {
	const now = Date.now();
	records++;
	return {
		ref: newRef(now),
		owner: "bearer:test",
		apiUser: "api_user",
		messageId: `<m${records}.${now}@example.com>`,
		from: "a@example.com",
		to: ["ben@example.com"],
		subject: `s ${records}`,
		labelId: null,
		tags: [{ name: "kind", value: "receipt" }],
		addresses: null,
		createdAt: now,
		publish: true,
		status: "sent",
		relayId: relay,
		route: "primary",
		sentAt: now,
		lastError: null,
		detail: { accepted: ["ben@example.com"], rejected: [] },
		...over,
	};
}

/**
 * What the send path does once the relay has a message's id: puts it into the
 * relay index and files on the record the provider events held for it
 * (answering the webhook jobs they made).
 */
export const indexRelay = (ref: string, relay: string, now = Date.now()) =>
	indexRelayIds(env, [{ relayId: relay, ref }], now);

/**
 * A sync send's sent record with relay id `relay`, written through the store
 * (its own `message.sent` in its outbox) and, unless `indexed` is false, its
 * relay id put in the index (the events held for it filed). Answers the ref
 * and the outbox ids written, whose jobs nobody queued.
 */
export async function sentRecord(relay: string, options: { indexed?: boolean; publish?: boolean } = {}) {
	const input = syncInput(relay, { publish: options.publish ?? true });
	const now = Date.now();
	const { name, shard } = shardOfRef(input.ref);
	const outbox = await shard.recordSync([input], now);
	const held = options.indexed === false ? [] : await indexRelay(input.ref, relay, now);
	return { ref: input.ref, object: name, shard, jobs: [...webhookJobs(name, outbox), ...held] };
}

/** A record as GET /v1/messages/{ref} would show it: straight from its shard. */
export async function stored(ref: string) {
	const got = await shardOfRef(ref).shard.get(ref);
	if (!got) throw new Error(`no record ${ref}`);
	return got;
}

/** The record's timeline without the webhook attempts. */
export const timeline = async (ref: string) =>
	(await stored(ref)).events.map((e) => e.type).filter((t) => !t.startsWith("webhook."));

/**
 * A store binding whose objects fail `method` (as storage that is down would),
 * everything else passed through: a fault injected between two steps.
 */
export function failing(binding: "MESSAGES" | "RELAY_INDEX" | "SUPPRESSIONS", method: string): Overrides {
	const namespace = env[binding] as unknown as DurableObjectNamespace;
	const get = (id: DurableObjectId) => {
		const stub = namespace.get(id) as unknown as Record<string | symbol, (...args: unknown[]) => unknown>;
		return new Proxy(stub, {
			get(target, prop) {
				if (prop === "then") return undefined;
				if (prop === method) return () => Promise.reject(new Error(`${binding}.${method} failed (test fault)`));
				return (...args: unknown[]) => target[prop]?.(...args);
			},
		});
	};
	const wrapped = {
		idFromName: (name: string) => namespace.idFromName(name),
		get,
		getByName: (name: string) => get(namespace.idFromName(name)),
	};
	return { [binding]: wrapped } as unknown as Overrides;
}
