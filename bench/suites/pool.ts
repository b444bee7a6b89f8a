/**
 * Measurement 5: warm relay sessions (src/pool/). Round trips for a send on a
 * warm pooled session next to a new session and worker-mailer; 200
 * concurrent sends through the pool against today's direct path (a new
 * session each); and the first send after the relay closed an idle session.
 * The RelayPool objects run in the bench worker's workerd, behind the same
 * latency proxy as everything else, so "near the relay" is not simulated:
 * the pool saves round trips, not distance.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { startRelay } from "../../test/fixtures/provider-relay.ts";
import type { BenchContext, Check, SuiteResult, Table } from "../lib/context.ts";
import type { PoolSendJob, PoolSendResult } from "../lib/jobs.ts";
import { startProxy } from "../lib/latency-proxy.ts";
import { closeLink, type Link, openLink, runSend } from "../lib/senders.ts";
import { formatSummary, median, summarize } from "../lib/stats.ts";

const CONCURRENT = 200;

async function idleClosingLink(oneWayMs: number, idleTimeoutMs: number): Promise<Link> {
	const relay = await startRelay({ security: "starttls", idleTimeoutMs });
	const proxy = await startProxy({ targetPort: relay.port, oneWayMs });
	return { relay, proxy, security: "starttls" };
}

const send = (ctx: BenchContext, link: Link, via: PoolSendJob["via"]) =>
	ctx.worker.post<PoolSendResult>("/pool/send", { port: link.proxy.port, security: link.security, via });

/** Flights (client round trips the relay saw) across every connection of the link. */
const flights = (link: Link) => link.relay.connections.reduce((sum, c) => sum + c.flights, 0);

export async function pool(ctx: BenchContext): Promise<SuiteResult> {
	const rows: string[][] = [];
	const checks: Check[] = [];
	const headlines: string[] = [];
	const rt = (ms: number) => ms / ctx.rttMs;

	// 1. Round trips: a warm send, a new session, worker-mailer's new session.
	const warmLink = await openLink("starttls", ctx.oneWayMs);
	const directLink = await openLink("starttls", ctx.oneWayMs);
	const peerLink = await openLink("starttls", ctx.oneWayMs);
	try {
		await send(ctx, warmLink, "pool"); // opens the session
		const warm = { ms: [] as number[], flights: [] as number[], warm: 0 };
		const fresh = { ms: [] as number[], flights: [] as number[] };
		const peer: number[] = [];
		for (let run = 0; run < ctx.runs; run++) {
			const before = flights(warmLink);
			const w = await send(ctx, warmLink, "pool");
			warm.ms.push(w.ms);
			warm.flights.push(flights(warmLink) - before);
			if (w.warm) warm.warm++;
			directLink.relay.reset();
			fresh.ms.push((await send(ctx, directLink, "direct")).ms);
			fresh.flights.push(directLink.relay.connections[0].packets.filter((p) => !/^QUIT/.test(p.text)).length);
			const measured = await runSend(ctx, "worker-mailer", peerLink, {
				kind: "small",
				messages: 1,
				recipients: 1,
				sessions: 1,
			});
			peer.push(measured.ms);
		}
		const warmRt = summarize(warm.ms.map(rt));
		rows.push([
			"warm pooled session",
			formatSummary(summarize(warm.ms), 0),
			formatSummary(warmRt),
			`${median(warm.flights)} SMTP`,
			`${warm.warm}/${ctx.runs} warm`,
		]);
		rows.push([
			"new session (SMTP_POOL=off)",
			formatSummary(summarize(fresh.ms), 0),
			formatSummary(summarize(fresh.ms.map(rt))),
			`${median(fresh.flights)} SMTP packets + 3`,
			"—",
		]);
		rows.push([
			"worker-mailer, new session",
			formatSummary(summarize(peer), 0),
			formatSummary(summarize(peer.map(rt))),
			"—",
			"—",
		]);
		checks.push({
			expected: "a warm send: at most 2.2 round trips (floor 2)",
			measured: `${warmRt.median.toFixed(2)} by wall time, ${median(warm.flights)} counted`,
			held: warmRt.median <= 2.2 ? "yes" : "no",
		});
		headlines.push(
			`warm pooled send: ${warmRt.median.toFixed(2)} round trips, a new session ${median(fresh.ms.map(rt)).toFixed(1)}, worker-mailer ${median(peer.map(rt)).toFixed(1)}`,
		);
	} finally {
		await Promise.all([closeLink(warmLink), closeLink(directLink), closeLink(peerLink)]);
	}

	// 2. 200 concurrent sends: the direct path, the pool from cold, the pool again (warm).
	const waves: { label: string; ms: number; warm: number; fellBack: number }[] = [];
	for (const via of ["direct", "pool"] as const) {
		const link = await openLink("starttls", ctx.oneWayMs);
		try {
			for (const wave of via === "pool" ? ["pool, objects cold", "pool, second wave"] : ["direct"]) {
				link.relay.reset();
				const start = Date.now();
				const results = await Promise.all(Array.from({ length: CONCURRENT }, () => send(ctx, link, via)));
				const ms = Date.now() - start;
				if (link.relay.messages.length !== CONCURRENT)
					throw new Error(`${wave}: the relay received ${link.relay.messages.length} of ${CONCURRENT}`);
				const count = (f: (r: PoolSendResult) => boolean) => results.filter(f).length;
				waves.push({ label: wave, ms, warm: count((r) => r.warm), fellBack: count((r) => r.fellBack) });
			}
		} finally {
			await closeLink(link);
		}
	}
	const direct = waves[0].ms;
	for (const w of waves) {
		rows.push([
			`${CONCURRENT} concurrent: ${w.label}`,
			`${w.ms} (all)`,
			formatSummary(summarize([rt(w.ms)])),
			`${((CONCURRENT * 1000) / w.ms).toFixed(0)} msg/s`,
			`${w.warm} warm, ${w.fellBack} sent directly (shards busy)`,
		]);
	}
	const worstPool = Math.max(...waves.slice(1).map((w) => w.ms));
	checks.push({
		expected: `${CONCURRENT} concurrent sends through the pool never slower than the direct path`,
		measured: `direct ${direct} ms, pool ${waves
			.slice(1)
			.map((w) => `${w.ms} ms`)
			.join(" / ")}`,
		held: worstPool <= direct * 1.1 ? "yes (within 10 %)" : "no",
	});

	// 3. The first send after the relay closed the idle session (421, then close).
	const idleLink = await idleClosingLink(ctx.oneWayMs, 300);
	try {
		await send(ctx, idleLink, "pool");
		await sleep(800);
		const after = await send(ctx, idleLink, "pool");
		rows.push([
			"first send after the relay's idle close",
			`${after.ms}`,
			formatSummary(summarize([rt(after.ms)])),
			`${idleLink.relay.connections.length} connections`,
			after.warm ? "warm" : "new (retried once)",
		]);
	} finally {
		await closeLink(idleLink);
	}

	const table: Table = {
		title: "5. Warm relay sessions (RelayPool)",
		columns: ["case", "wall ms, median (min–max)", "round trips = wall / RTT", "counted / rate", "session"],
		rows,
		notes: [
			`Wall time measured in the bench worker around the delivery alone (compose excluded), divided by the measured RTT of ${ctx.rttMs.toFixed(1)} ms. The RelayPool objects run in the same workerd and reach the relay through the same latency proxy; the Worker→pool RPC is local. ${ctx.runs} runs.`,
			"“counted” for the warm send is the client flights the relay saw for that message (MAIL/RCPT/DATA pipelined, then the content): 2 is the protocol floor.",
			`The ${CONCURRENT} concurrent sends are ${CONCURRENT} requests to the bench worker at once; "direct" opens a new session per request (today's /v1/send). "pool" fills up to 4 shards × 6 sockets in order; a pool object lets a send wait for a busy session only while the queue ahead is expected to clear before a new session would open (moving averages of both), else answers busy and the send goes directly. Cold objects have measured nothing yet and mostly answer busy; the second wave finds warm sessions.`,
			"The idle-close case: the relay ends connections quiet for 300 ms with 421; the pool finds the session dead on its MAIL, opens a new one and sends once: about a new session's cost.",
		],
	};
	return { tables: [table], failed: {}, headlines, checks };
}
