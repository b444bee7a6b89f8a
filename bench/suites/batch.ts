/**
 * Measurement 2: batch throughput. 200 messages of about 10 KB, one recipient
 * each: edgesend on one session (transactions pipelined) and on six sessions
 * (a Worker may hold six connections), edgesend's whole Worker through
 * POST /v1/batch, worker-mailer reusing one connection, and nodemailer's
 * pooled transport with one and with six connections.
 */
import { sendThroughApp, startApp } from "../lib/app-sender.ts";
import { attempt, type BenchContext, type Check, type SuiteResult, type Table } from "../lib/context.ts";
import type { Client } from "../lib/jobs.ts";
import { closeLink, type Link, openLink, runSend } from "../lib/senders.ts";
import { formatRatio, formatSummary, median, type Summary, summarize } from "../lib/stats.ts";
import type { WorkerHandle } from "../lib/workerd.ts";

interface Setup {
	label: string;
	client: Client;
	sessions: number;
	/** Through edgesend's public API instead of the bench worker. */
	viaApi?: boolean;
}

const apiLabel = "edgesend, POST /v1/batch (whole Worker, 100 per call)";

const setups: Setup[] = [
	{ label: "edgesend, 1 session", client: "edgesend", sessions: 1 },
	{ label: "edgesend, 6 sessions", client: "edgesend", sessions: 6 },
	{ label: "worker-mailer, 1 connection reused", client: "worker-mailer", sessions: 1 },
	{ label: "nodemailer pooled, 1 connection", client: "nodemailer", sessions: 1 },
	{ label: "nodemailer pooled, 6 connections", client: "nodemailer", sessions: 6 },
	{ label: apiLabel, client: "edgesend", sessions: 6, viaApi: true },
];

export async function batch(ctx: BenchContext, messages: number): Promise<SuiteResult> {
	const failures = new Map<string, string>();
	const link = await openLink("starttls", ctx.oneWayMs);
	const samples = new Map<string, { ms: number[]; bytes: number[] }>(
		setups.map((s) => [s.label, { ms: [], bytes: [] }]),
	);
	const app = await startAppIfBuilt(ctx, link, failures);
	try {
		for (let run = 1; run <= ctx.batchRuns; run++) {
			for (const setup of setups) {
				if (setup.viaApi && !app) continue;
				ctx.log(`  batch run ${run}/${ctx.batchRuns}: ${setup.label}`);
				const measured = await attempt(failures, setup.viaApi ? "edgesend /v1/batch" : setup.client, () =>
					app && setup.viaApi
						? sendThroughApp(app, link, messages)
						: runSend(ctx, setup.client, link, {
								kind: "batch",
								messages,
								recipients: 1,
								sessions: setup.sessions,
							}),
				);
				if (!measured) continue;
				samples.get(setup.label)?.ms.push(measured.ms);
				samples.get(setup.label)?.bytes.push(measured.meanBytes);
			}
		}
	} finally {
		await app?.dispose();
		await closeLink(link);
	}

	const rate = (label: string): Summary | undefined => {
		const ms = samples.get(label)?.ms ?? [];
		return ms.length ? summarize(ms.map((t) => messages / (t / 1000))) : undefined;
	};
	const one = rate(setups[0].label);
	const six = rate(setups[1].label);
	const api = rate(apiLabel);
	const rows = setups.map((setup) => {
		const s = samples.get(setup.label) ?? { ms: [], bytes: [] };
		const r = rate(setup.label);
		if (!r) return [setup.label, connections(setup), "failed", "—", "—", "—", "—", "—"];
		const rtPerMessage = summarize(s.ms.map((t) => (t * setup.sessions) / (ctx.rttMs * messages)));
		const mine = setup.client === "edgesend";
		return [
			setup.label,
			connections(setup),
			formatSummary(summarize(s.ms.map((t) => t / 1000)), 2),
			formatSummary(r),
			formatSummary(rtPerMessage, 2),
			mine ? "—" : formatRatio(one && one.median / r.median),
			mine ? "—" : formatRatio(six && six.median / r.median),
			mine ? "—" : formatRatio(api && api.median / r.median),
		];
	});
	const wm = rate(setups[2].label);
	const headlines: string[] = [];
	if (one && six && wm) {
		headlines.push(
			`Batch of ${messages}: edgesend ${one.median.toFixed(1)} msg/s on 1 session, ${six.median.toFixed(1)} msg/s on 6${api ? `, ${api.median.toFixed(1)} msg/s through POST /v1/batch` : ""}; worker-mailer ${wm.median.toFixed(1)} msg/s on its one connection (edgesend 6 sessions = ${formatRatio(six.median / wm.median)} worker-mailer)`,
		);
	}
	const allBytes = [...samples.values()].flatMap((s) => s.bytes);
	const table: Table = {
		title: "2. Batch throughput",
		columns: [
			"client",
			"connections",
			"wall s, median (min–max)",
			"messages/s",
			"round trips per message per connection",
			"edgesend 1 session ÷ this (msg/s)",
			"edgesend 6 sessions ÷ this (msg/s)",
			"edgesend /v1/batch ÷ this (msg/s)",
		],
		rows,
		notes: [
			`${messages} messages, 1 recipient each, about ${allBytes.length ? Math.round(median(allBytes) / 1000) : "?"} KB each as received by the relay, over STARTTLS + AUTH LOGIN; wall time from the first connect to the last final 250, composition included (each client composes its own messages). ${ctx.batchRuns} runs per client, taking turns.`,
			`“round trips per message per connection” = wall time × connections ÷ (RTT × messages): on one connection this approaches the protocol's floor from above (session setup, about 10 round trips, is spread over the messages).`,
			"The /v1/batch row runs edgesend's whole Worker (src/index.ts, bundled as wrangler would) in its own workerd and posts the messages 100 per call, calls one after another, timed from Node: validation, the rate limiter, composition and the API's own session plan (up to 6 sessions per call) included; “round trips per message per connection” takes it as 6 connections.",
			"nodemailer's pool is given the same connection budget as edgesend (maxConnections 1 and 6, no per-connection message cap); worker-mailer is measured as the issue asks, one connection reused for all messages.",
			"Expected (issue 8): edgesend on one session near 2 round trips per message (MAIL/RCPT/DATA, then content; the relay refuses anything pipelined behind the final dot), and with several sessions at least 5× worker-mailer's messages per second.",
		],
	};
	const failed = Object.fromEntries(
		[...new Set(setups.map((s) => s.client))]
			.filter((c) => setups.filter((s) => s.client === c).every((s) => !samples.get(s.label)?.ms.length))
			.map((c) => [c, failures.get(c) ?? "no run"]),
	);
	for (const [client, reason] of failures)
		if (!failed[client as Client]) table.notes.push(`${client}: some runs failed: ${reason}`);
	const checks: Check[] = [];
	const oneSession = samples.get(setups[0].label)?.ms ?? [];
	if (oneSession.length) {
		const rt = median(oneSession) / (ctx.rttMs * messages);
		const floor = 2 + 10 / messages; // two per message, plus about ten for the session's setup spread over them
		checks.push({
			expected: "edgesend on one session approaches the floor of 2 round trips per message",
			measured: `${rt.toFixed(2)} round trips per message over ${messages} messages (floor with setup spread: ${floor.toFixed(2)})`,
			held: rt <= floor * 1.1 ? "yes (within 10% of the floor)" : "no",
		});
	}
	if (six && wm) {
		checks.push({
			expected: "edgesend with several sessions: at least 5× worker-mailer's messages per second",
			measured: `${formatRatio(six.median / wm.median)} (6 sessions)${api ? `; ${formatRatio(api.median / wm.median)} through POST /v1/batch` : ""}`,
			held: six.median / wm.median >= 5 ? "yes" : "no",
		});
	}
	return { tables: [table], failed, headlines, checks };
}

const connections = (setup: Setup) => (setup.viaApi ? "≤ 6 per call" : String(setup.sessions));

/** The /v1/batch row needs the whole Worker; when it does not build, say so and measure the rest. */
async function startAppIfBuilt(
	ctx: BenchContext,
	link: Link,
	failures: Map<string, string>,
): Promise<WorkerHandle | undefined> {
	if (!ctx.bundles.app) {
		failures.set("edgesend /v1/batch", ctx.bundles.appMissing ?? "not built");
		return undefined;
	}
	return attempt(failures, "edgesend /v1/batch", () => startApp(ctx.bundles.app as string, link));
}
