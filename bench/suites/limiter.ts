/**
 * Measurement 4: the rate limiter. Permits per second through one RateLimiter
 * Durable Object (in Miniflare), one permit per call against a batch's many per
 * call, and the latency one send pays for its acquire. No peer has a limiter.
 */
import { attempt, type BenchContext, type SuiteResult, type Table } from "../lib/context.ts";
import type { LimiterJob, LimiterResult } from "../lib/jobs.ts";
import { formatRatio, formatSummary, summarize } from "../lib/stats.ts";

const modes: { label: string; job: LimiterJob }[] = [
	{
		label: "acquire(1), one call at a time (consecutive sends)",
		job: { mode: "latency", permits: 1000, batch: 1, concurrency: 1 },
	},
	{ label: "acquire(1), 50 calls in flight", job: { mode: "single", permits: 6000, batch: 1, concurrency: 50 } },
	{
		label: "acquire(100), 50 calls in flight (batched)",
		job: { mode: "batched", permits: 30_000, batch: 100, concurrency: 50 },
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
	const rates = modes.map(({ label, job }) => {
		const rs = samples.get(label) ?? [];
		return rs.length ? summarize(rs.map((r) => job.permits / (Math.max(r.ms, 1) / 1000))) : undefined;
	});
	const rows = modes.map(({ label, job }, i) => {
		const rs = samples.get(label) ?? [];
		const rate = rates[i];
		if (!rate) return [label, "failed", "—", "—"];
		const calls = Math.ceil(job.permits / job.batch);
		const perCall = summarize(rs.map((r) => r.ms / calls));
		return [
			label,
			formatSummary(rate, 0),
			formatSummary(perCall, 3),
			formatRatio(rates[1] && rate.median / rates[1].median),
		];
	});
	const headlines: string[] = [];
	if (rates[0] && rates[1] && rates[2]) {
		const latency = 1000 / rates[0].median;
		headlines.push(
			`Limiter: ${rates[1].median.toFixed(0)} permits/s one per call, ${rates[2].median.toFixed(0)} permits/s batched by 100; a send's acquire costs ${latency.toFixed(2)} ms (${((latency / ctx.rttMs) * 100).toFixed(1)}% of one ${ctx.rttMs.toFixed(0)} ms round trip)`,
		);
	}
	const table: Table = {
		title: "4. Rate limiter (one RateLimiter Durable Object, in Miniflare)",
		columns: ["acquisition", "permits/s, median (min–max)", "ms per call", "vs one per call, 50 in flight"],
		rows,
		notes: [
			`Calls made from the bench worker to one RateLimiter object through its binding (RPC), limit ${"30,000"} per minute (the production default), a fresh object per run so no run is refused. Timed inside workerd, where timers tick in whole milliseconds: each figure is the time of a whole run divided by its calls. ${ctx.runs} runs after one warm-up run.`,
			"“ms per call” for one call at a time is the latency a send pays for its acquire before it connects. Locally the object lives in the same workerd process; in production it may be in another location, adding network time.",
			"Expected (issue 8): not stated as a number; DESIGN.md notes a Durable Object takes about 1,000 requests/s before it queues, which batched acquisition is meant to sidestep.",
		],
	};
	const failed = rates.every((r) => !r) ? { edgesend: failures.get("edgesend") ?? "no run" } : {};
	if (!failed.edgesend && failures.has("edgesend")) table.notes.push(`some runs failed: ${failures.get("edgesend")}`);
	return { tables: [table], failed, headlines };
}
