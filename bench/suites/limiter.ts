/**
 * Measurement 4: the rate limiter as the send path uses it. Each send asks
 * for its permits and settles them (acquire + settle: a sync send's two
 * calls), through one RateLimiter Durable Object or through the default
 * budget split over six (in Miniflare); one send after another (what a send
 * pays) and 50 in flight (what the objects carry), and a batch's one
 * acquire(100) + settle. No peer has a limiter.
 */
import { attempt, type BenchContext, type SuiteResult, type Table } from "../lib/context.ts";
import type { LimiterJob, LimiterResult } from "../lib/jobs.ts";
import { formatSummary, summarize } from "../lib/stats.ts";

/** The default budget's objects (RATE_LIMIT_PER_MINUTE 30,000: ⌈30,000 / 5,000⌉, src/limit/budget.ts). */
const DEFAULT_SHARDS = 6;
/** What the model gives one object: requests per second before it queues (1 ms each). */
const OBJECT_REQUESTS_PER_S = 1_000;

const modes: { label: string; job: LimiterJob }[] = [
	{
		label: "sync sends one after another, one object",
		job: { mode: "latency", permits: 1000, batch: 1, concurrency: 1, shards: 1, settle: true },
	},
	{
		label: "sync sends, 50 in flight, one object",
		job: { mode: "throughput", permits: 6000, batch: 1, concurrency: 50, shards: 1, settle: true },
	},
	{
		label: `sync sends, 50 in flight, the default budget (${DEFAULT_SHARDS} objects)`,
		job: { mode: "throughput", permits: 6000, batch: 1, concurrency: 50, shards: DEFAULT_SHARDS, settle: true },
	},
	{
		label: "batches of 100, 50 in flight, one object",
		job: { mode: "throughput", permits: 30_000, batch: 100, concurrency: 50, shards: 1, settle: true },
	},
];

export async function limiter(ctx: BenchContext): Promise<SuiteResult> {
	const failures = new Map<string, string>();
	const samples = new Map<string, LimiterResult[]>(modes.map((m) => [m.label, []]));
	for (let run = 0; run <= ctx.runs; run++) {
		for (const { label, job } of modes) {
			const r = await attempt(failures, "edgesend", () => ctx.worker.post<LimiterResult>("/limiter", job));
			if (!r || run === 0) continue;
			if (r.granted !== job.permits) {
				failures.set("edgesend", `${label}: granted ${r.granted} of ${job.permits} permits under the limit`);
				continue;
			}
			samples.get(label)?.push(r);
		}
	}
	const figures = modes.map(({ label, job }) => {
		const rs = samples.get(label) ?? [];
		if (!rs.length) return undefined;
		const sends = Math.ceil(job.permits / job.batch);
		return {
			sendsPerS: summarize(rs.map((r) => sends / (Math.max(r.ms, 1) / 1000))),
			permitsPerS: summarize(rs.map((r) => job.permits / (Math.max(r.ms, 1) / 1000))),
			msPerCall: summarize(rs.map((r) => r.ms / r.calls)),
			callsPerSend: summarize(rs.map((r) => r.calls / sends)),
		};
	});
	const rows = modes.map(({ label }, i) => {
		const f = figures[i];
		if (!f) return [label, "failed", "—", "—", "—"];
		return [
			label,
			formatSummary(f.sendsPerS, 0),
			formatSummary(f.permitsPerS, 0),
			formatSummary(f.msPerCall, 3),
			formatSummary(f.callsPerSend, 2),
		];
	});
	const headlines: string[] = [];
	const [latency, one, split] = figures;
	if (latency && one && split) {
		const sendMs = 1000 / latency.sendsPerS.median;
		const modelled = (DEFAULT_SHARDS * OBJECT_REQUESTS_PER_S) / split.callsPerSend.median;
		headlines.push(
			`Limiter: a sync send's acquire + settle cost ${sendMs.toFixed(2)} ms (${((sendMs / ctx.rttMs) * 100).toFixed(1)}% of one ${ctx.rttMs.toFixed(0)} ms round trip); ${one.sendsPerS.median.toFixed(0)} sync sends/s through one object here; at ${OBJECT_REQUESTS_PER_S} requests/s an object, the default budget's ${DEFAULT_SHARDS} carry ${modelled.toFixed(0)} sync sends/s`,
		);
	}
	const table: Table = {
		title: "4. Rate limiter (acquire + settle per send, RateLimiter Durable Objects in Miniflare)",
		columns: ["what each send asks", "sends/s, median (min–max)", "permits/s", "ms per call", "calls per send"],
		rows,
		notes: [
			`Calls made from the bench worker through the RateBudget (src/limit/budget.ts) to the RateLimiter objects (RPC), limit 30,000 per minute (the production default), a fresh budget per run so no run is refused. Each send acquires its permits and settles them as delivered, the two calls of a sync send; a batch makes the same two calls for 100. Timed inside workerd, where timers tick in whole milliseconds: each figure is the time of a whole run divided by its sends or calls. ${ctx.runs} runs after one warm-up run.`,
			"“ms per call” for sends one after another is what a send pays its limiter (twice: before it connects, and after the relay answered). Locally every object lives in the same workerd process and thread, so the six objects of the default budget add no capacity here; on the platform each object is single-threaded on its own, about 1,000 requests/s (DESIGN.md), so a budget carries about objects × 1,000 ÷ calls per send: the headline's model figure. A caller asks a second shard only when the first is full, which none is here.",
			"Expected (issue 20): one api_user above 2,000 sync sends/s against objects that take about 1,000 requests/s each; one object alone caps it near 500.",
		],
	};
	const failed = figures.every((f) => !f) ? { edgesend: failures.get("edgesend") ?? "no run" } : {};
	if (!failed.edgesend && failures.has("edgesend")) table.notes.push(`some runs failed: ${failures.get("edgesend")}`);
	return { tables: [table], failed, headlines };
}
