/**
 * One start of edgesend's counted Worker (bench/lib/counted-build.ts) for one
 * path of the scale bench: wrangler.toml's bindings (the queue and its
 * consumer, the spool, every Durable Object, D1 while declared) through
 * deployed-app.ts, the relay behind the latency proxy, and, for the
 * lifecycle, a webhook receiver and the provider's callback key. Reads the
 * counts and the objects' sizes from the Worker's stats routes.
 */
import { createHmac, randomBytes } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { startRelay } from "../../test/fixtures/provider-relay.ts";
import { WebhookReceiver } from "../../test/fixtures/webhook-receiver.ts";
import type { ObjectReport, Stats } from "../counting/registry.ts";
import { apiKey } from "./app-sender.ts";
import { type DeployedApp, startDeployedApp } from "./deployed-app.ts";
import { startProxy } from "./latency-proxy.ts";
import { closeLink, type Link } from "./senders.ts";

export type { Stats };

export interface Sizes {
	objects: (ObjectReport & { className: string })[];
	/** What one object of each class weighs before its first record. */
	empty: { className: string; databaseSize: number }[];
	/** Each D1 database's size as D1 reports it. */
	databases: { binding: string; bytes: number }[];
}

export interface ScaleAppOptions {
	script: string;
	oneWayMs: number;
	/** EVENTS_WEBHOOK_URL to a receiver started here, and ENGAGELAB_WEBHOOK_KEY for signed callbacks. */
	events: boolean;
}

export interface Answer {
	status: number;
	answer: Record<string, unknown>;
}

export interface ScaleApp {
	link: Link;
	receiver?: WebhookReceiver;
	/** A request to the API as the bench's key. */
	call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Answer>;
	/** A provider callback, signed as the provider signs it (HMAC-SHA256 of a timestamp no other callback used). */
	callback(body: unknown): Promise<Answer>;
	stats(): Promise<Stats>;
	sizes(): Promise<Sizes>;
	close(): Promise<void>;
}

const CALLBACK_KEY = "edgesend-bench-callback-key";
let lastTimestamp = 0;

/** The provider signs only a timestamp, and each signature binds to its first body: one timestamp per callback. */
function nextTimestamp(): string {
	lastTimestamp = Math.max(lastTimestamp + 1, Date.now());
	return String(lastTimestamp);
}

async function json(response: Response): Promise<Answer> {
	const text = await response.text();
	try {
		return { status: response.status, answer: text ? JSON.parse(text) : {} };
	} catch {
		return { status: response.status, answer: { text: text.slice(0, 300) } };
	}
}

export async function startScaleApp(o: ScaleAppOptions): Promise<ScaleApp> {
	const relay = await startRelay({ security: "starttls" });
	const proxy = await startProxy({ targetPort: relay.port, oneWayMs: o.oneWayMs });
	const link: Link = { relay, proxy, security: "starttls" };
	const receiver = o.events ? new WebhookReceiver([]) : undefined;
	const bindings: Record<string, string> = {};
	if (receiver) {
		bindings.EVENTS_WEBHOOK_URL = `http://127.0.0.1:${await receiver.listen()}/hooks`;
		bindings.EVENTS_WEBHOOK_SECRET = `whsec_${randomBytes(24).toString("base64")}`;
		bindings.ENGAGELAB_WEBHOOK_KEY = CALLBACK_KEY;
	}
	let app: DeployedApp;
	try {
		app = await startDeployedApp(o.script, { link, perMinute: 30_000, consumer: true, bindings });
	} catch (error) {
		await receiver?.close();
		await closeLink(link);
		throw error;
	}
	const mf = app.handle.miniflare;
	const request = (path: string, init: RequestInit) =>
		mf.dispatchFetch(`http://bench.local${path}`, { ...init, signal: AbortSignal.timeout(120_000) } as never);
	const read = async <T>(path: string): Promise<T> => {
		const { status, answer } = await json((await request(path, { method: "GET" })) as unknown as Response);
		if (status !== 200) throw new Error(`${path} answered ${status}: ${JSON.stringify(answer).slice(0, 300)}`);
		return answer as T;
	};
	return {
		link,
		receiver,
		async call(method, path, body, headers = {}) {
			const response = await request(path, {
				method,
				headers: {
					authorization: `Bearer ${apiKey}`,
					...(body === undefined ? {} : { "content-type": "application/json" }),
					...headers,
				},
				...(body === undefined ? {} : { body: JSON.stringify(body) }),
			});
			return json(response as unknown as Response);
		},
		async callback(body) {
			const timestamp = nextTimestamp();
			const signature = createHmac("sha256", CALLBACK_KEY).update(timestamp).digest("hex");
			const response = await request("/v1/events/engagelab", {
				method: "POST",
				headers: {
					"content-type": "application/json",
					"x-webhook-appkey": "email",
					"x-webhook-timestamp": timestamp,
					"x-webhook-signature": signature,
				},
				body: JSON.stringify(body),
			});
			return json(response as unknown as Response);
		},
		stats: () => read<Stats>("/__bench/stats"),
		sizes: () => read<Sizes>("/__bench/sizes"),
		async close() {
			await app.dispose();
			await receiver?.close();
			await closeLink(link);
		},
	};
}

/** Total requests and round trips so far (alarms included): what "nothing is happening any more" watches. */
export const activity = (stats: Stats): number =>
	stats.objects.reduce((sum, o) => sum + Object.values(o.methods).reduce((s, m) => s + m.calls, 0), 0) +
	stats.databases.reduce((sum, d) => sum + d.roundTrips, 0);

/**
 * Waits until the counts have not moved for `quietMs` (the queue's batch
 * timeout is 1 s, so a job still in the queue shows within that), then
 * answers them. Gives up after `timeoutMs` with what it has.
 */
export async function settledStats(app: ScaleApp, quietMs = 3_000, timeoutMs = 120_000): Promise<Stats> {
	const deadline = performance.now() + timeoutMs;
	let stats = await app.stats();
	let last = activity(stats);
	let quietSince = performance.now();
	while (performance.now() - quietSince < quietMs) {
		if (performance.now() > deadline) throw new Error(`the counts kept moving for ${timeoutMs / 1000} s`);
		await sleep(250);
		stats = await app.stats();
		const now = activity(stats);
		if (now !== last) {
			last = now;
			quietSince = performance.now();
		}
	}
	return stats;
}

/** Waits until `done()` holds, checking every 200 ms; throws `what` after `timeoutMs`. */
export async function waitFor(what: string, done: () => boolean, timeoutMs = 180_000): Promise<void> {
	const deadline = performance.now() + timeoutMs;
	while (!done()) {
		if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await sleep(200);
	}
}
