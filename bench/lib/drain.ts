/**
 * One drain: `messages` async sends accepted by N callers into the Worker as
 * deployed (wrangler.toml's queue consumer, D1, the R2 spool, the RateLimiter
 * at `perMinute`), then left to the consumer until every record is final.
 * The relay counts like the provider (`536` past `perMinute` a minute), so a
 * breach of the limit would show at the relay, not only in our figures.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { startRelay } from "../../test/fixtures/provider-relay.ts";
import { type Arrivals, analyzeArrivals } from "./arrivals.ts";
import { callersWave, type Wave } from "./callers.ts";
import { startDeployedApp } from "./deployed-app.ts";
import { startProxy } from "./latency-proxy.ts";
import { closeLink, type Link } from "./senders.ts";

export interface DrainOptions {
	script: string;
	oneWayMs: number;
	callers: number;
	messages: number;
	perMinute: number;
	/** The send body for message `i` (its subject must be unique: the relay's copies are told apart by it). */
	body: (i: number) => unknown;
	log: (line: string) => void;
}

export interface Drain {
	/** Accepting all the messages, while the consumer already delivers. */
	accept: Wave;
	/** From the first request to the last message's arrival at the relay. */
	totalMs: number;
	/** Records by status at the end. */
	counts: Record<string, number>;
	/** Messages at the relay, and how many distinct ones (by subject). */
	received: number;
	distinct: number;
	/** `536 Frequency limited` replies the relay had to give. */
	refusals: number;
	arrivals: Arrivals;
}

const POLL_MS = 2_000;
const waiting = (counts: Record<string, number>) =>
	(counts.queued ?? 0) + (counts.sending ?? 0) + (counts.scheduled ?? 0);

export async function runDrain(o: DrainOptions): Promise<Drain> {
	const relay = await startRelay({ security: "starttls", perMinute: o.perMinute });
	const proxy = await startProxy({ targetPort: relay.port, oneWayMs: o.oneWayMs });
	const link: Link = { relay, proxy, security: "starttls" };
	const app = await startDeployedApp(o.script, { link, perMinute: o.perMinute, consumer: true });
	try {
		const start = performance.now();
		const startedAt = Date.now();
		const accept = await callersWave(o.callers, o.messages, async (i) => {
			const { status, answer } = await app.send(o.body(i), true);
			if (status !== 202) throw new Error(`drain: send ${i} answered ${status}: ${JSON.stringify(answer)}`);
		});
		o.log(`bench: async: ${o.messages} accepted in ${(accept.ms / 1000).toFixed(1)} s; draining…`);
		// A whole window per `perMinute` messages, the first one free, plus room for a loaded machine.
		const deadline = start + (Math.ceil(o.messages / o.perMinute) + 2) * 60_000;
		let counts = await app.statusCounts();
		let lastLog = performance.now();
		while (waiting(counts) > 0) {
			if (performance.now() > deadline) throw new Error(`drain: not done by its deadline: ${JSON.stringify(counts)}`);
			await sleep(POLL_MS);
			counts = await app.statusCounts();
			if (performance.now() - lastLog > 15_000) {
				lastLog = performance.now();
				o.log(`bench: async: ${JSON.stringify(counts)} after ${((lastLog - start) / 1000).toFixed(0)} s`);
			}
		}
		const totalMs = Math.max(...relay.messages.map((m) => m.receivedAt)) - startedAt;
		const subjects = new Set(relay.messages.map((m) => /^Subject: (.*)$/m.exec(m.data)?.[1]));
		return {
			accept,
			totalMs,
			counts,
			received: relay.messages.length,
			distinct: subjects.size,
			refusals: relay.connections.flatMap((c) => c.replies).filter((r) => r.startsWith("536")).length,
			arrivals: analyzeArrivals(
				relay.messages.map((m) => m.receivedAt),
				o.perMinute,
			),
		};
	} finally {
		await app.dispose();
		await closeLink(link);
	}
}
