/**
 * `npm run bench`: edgesend side by side with worker-mailer and nodemailer, in
 * one run. Builds the bench bundles, measures the proxy's real RTT, starts the
 * bench worker in workerd, runs the measurements, prints the tables and
 * writes bench/RESULTS.md. Asserts nothing on time; exits non-zero only when a
 * client could not be run at all for a measurement, and says which.
 *
 * Options (flag or environment):
 *   --one-way-ms=N   BENCH_ONE_WAY_MS   delay per direction (default 10, so 20 ms RTT)
 *   --runs=N         BENCH_RUNS         runs per round-trip, limiter and one-message pool figure (default 5)
 *   --batch-runs=N   BENCH_BATCH_RUNS   runs per batch and composition figure, pool concurrency rounds (default 3)
 *   --messages=N     BENCH_MESSAGES     messages per batch (default 200)
 *   --async-callers=N     BENCH_ASYNC_CALLERS     callers at once in the async suite (default 24)
 *   --async-sends=N       BENCH_ASYNC_SENDS       sends per acceptance wave of N callers, sync and async each (default 480; one caller: an eighth)
 *   --drain-messages=N    BENCH_DRAIN_MESSAGES    async sends the drain waits out (default 1500)
 *   --drain-per-minute=N  BENCH_DRAIN_PER_MINUTE  RATE_LIMIT_PER_MINUTE for the drain (default 600)
 *   --scale-messages=N    BENCH_SCALE_MESSAGES    messages per path in the scale suite (default 1000)
 *   --only=a,b       BENCH_ONLY         some of: round-trips, batch, composition, limiter, pool, async, failover, scale
 *                                      (a partial run writes bench/.out/RESULTS.partial.md instead)
 */
import { writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { buildBundles, outDir } from "./lib/build.ts";
import { measureRtt } from "./lib/calibrate.ts";
import type { BenchContext, Check, SuiteResult, Table } from "./lib/context.ts";
import { describeMachine } from "./lib/machine.ts";
import { acceptWithNoDelay } from "./lib/no-delay.ts";
import { checksTable, markdownReport, textTable } from "./lib/report.ts";
import { startBenchWorker } from "./lib/workerd.ts";
import { startNodemailerPeer } from "./peers/nodemailer-process.ts";
import { type AsyncSettings, asyncSends } from "./suites/async.ts";
import { batch } from "./suites/batch.ts";
import { composition } from "./suites/composition.ts";
import { failover } from "./suites/failover.ts";
import { limiter } from "./suites/limiter.ts";
import { pool } from "./suites/pool.ts";
import { roundTrips } from "./suites/round-trips.ts";
import { scale } from "./suites/scale.ts";

const { values: flags } = parseArgs({
	options: {
		"one-way-ms": { type: "string" },
		runs: { type: "string" },
		"batch-runs": { type: "string" },
		messages: { type: "string" },
		only: { type: "string" },
		"async-callers": { type: "string" },
		"async-sends": { type: "string" },
		"drain-messages": { type: "string" },
		"drain-per-minute": { type: "string" },
		"scale-messages": { type: "string" },
	},
});

function setting(flag: keyof typeof flags, env: string, fallback: number): number {
	const raw = flags[flag] ?? process.env[env];
	const value = raw === undefined ? fallback : Number(raw);
	if (!Number.isFinite(value) || value < 0) throw new Error(`--${flag} / ${env} must be a number, got ${raw}`);
	return value;
}

const oneWayMs = setting("one-way-ms", "BENCH_ONE_WAY_MS", 10);
const runs = Math.max(1, Math.round(setting("runs", "BENCH_RUNS", 5)));
const batchRuns = Math.max(1, Math.round(setting("batch-runs", "BENCH_BATCH_RUNS", 3)));
const batchMessages = Math.max(1, Math.round(setting("messages", "BENCH_MESSAGES", 200)));
const asyncSettings: AsyncSettings = {
	callers: Math.max(1, Math.round(setting("async-callers", "BENCH_ASYNC_CALLERS", 24))),
	sends: Math.max(1, Math.round(setting("async-sends", "BENCH_ASYNC_SENDS", 480))),
	drainMessages: Math.max(1, Math.round(setting("drain-messages", "BENCH_DRAIN_MESSAGES", 1500))),
	perMinute: Math.max(1, Math.round(setting("drain-per-minute", "BENCH_DRAIN_PER_MINUTE", 600))),
};
const scaleMessages = Math.max(1, Math.round(setting("scale-messages", "BENCH_SCALE_MESSAGES", 1000)));
const suiteNames = ["round-trips", "batch", "composition", "limiter", "pool", "async", "failover", "scale"] as const;
const only = (flags.only ?? process.env.BENCH_ONLY)?.split(",").map((s) => s.trim());
const selected = suiteNames.filter((name) => !only || only.includes(name));
const partial = selected.length < suiteNames.length;

const log = (line: string) => process.stdout.write(`${line}\n`);
const machine = describeMachine();
const startedAt = new Date();
const loadAtStart = machine.loadAverage();
const problems: string[] = [];

acceptWithNoDelay();
log("bench: building the bench worker and the composition child (esbuild)…");
const bundles = await buildBundles();
if (bundles.edgesendMissing) {
	problems.push(`edgesend's parts could not be used: ${bundles.edgesendMissing}`);
	log(`bench: WARNING: edgesend ${bundles.edgesendMissing}`);
}
const rttMs = await measureRtt(oneWayMs);
log(`bench: latency proxy ${oneWayMs} ms each way, measured RTT ${rttMs.toFixed(2)} ms`);
const worker = await startBenchWorker(bundles.worker);
const nodemailer = startNodemailerPeer();

const ctx: BenchContext = {
	worker,
	nodemailer,
	oneWayMs,
	rttMs,
	runs,
	batchRuns,
	bundles,
	edgesendMissing: bundles.edgesendMissing,
	log,
};
const suites: Record<(typeof suiteNames)[number], () => Promise<SuiteResult>> = {
	"round-trips": () => roundTrips(ctx),
	batch: () => batch(ctx, batchMessages),
	composition: () => composition(ctx),
	limiter: () => limiter(ctx),
	pool: () => pool(ctx),
	async: () => asyncSends(ctx, asyncSettings),
	failover: () => failover(ctx),
	scale: () => scale(ctx, { messages: scaleMessages }),
};

const tables: Table[] = [];
const headlines: string[] = [];
const checks: Check[] = [];
const finalLines: string[] = [];
const unrunnable: string[] = [];
try {
	for (const name of selected) {
		log(`bench: ${name}…`);
		try {
			const result = await suites[name]();
			for (const table of result.tables) {
				tables.push(table);
				log(`\n${textTable(table)}\n`);
			}
			headlines.push(...result.headlines);
			checks.push(...(result.checks ?? []));
			if (result.finalLine) finalLines.push(result.finalLine);
			for (const [client, reason] of Object.entries(result.failed)) {
				unrunnable.push(`${client} could not be run for ${name}: ${reason}`);
			}
		} catch (error) {
			unrunnable.push(`${name} did not complete: ${error instanceof Error ? error.stack : error}`);
		}
	}
} finally {
	nodemailer.stop();
	await worker.dispose();
}

problems.push(...unrunnable);
const report = markdownReport(
	{
		command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
		startedAt,
		finishedAt: new Date(),
		machine,
		loadAtStart,
		loadAtEnd: machine.loadAverage(),
		oneWayMs,
		rttMs,
		runs,
		batchRuns,
		batchMessages,
		headlines,
		checks,
		problems,
	},
	tables,
);
const target = partial ? `${outDir}RESULTS.partial.md` : new URL("./RESULTS.md", import.meta.url);
writeFileSync(target, report);
log(headlines.map((h) => `- ${h}`).join("\n"));
if (checks.length) log(`\n${textTable(checksTable(checks))}\n`);
log(`bench: wrote ${partial ? "bench/.out/RESULTS.partial.md (partial run)" : "bench/RESULTS.md"}`);
for (const p of unrunnable) log(`bench: FAILED: ${p}`);
for (const line of finalLines) log(line);
process.exit(unrunnable.length ? 1 : 0);
