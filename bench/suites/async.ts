/**
 * Measurement 6: async sends (issue 13), through edgesend's whole Worker with
 * wrangler.toml's bindings. (a) Acceptance (lib/acceptance.ts): 1 and N
 * callers posting to /v1/send with `Prefer: respond-async` (202 answers per
 * second) against the same callers posting sync sends (200 answers per
 * second, each delivered before its answer), same build, same relay. (b)
 * Drain (lib/drain.ts): the real queue consumer, D1 and the RateLimiter at
 * RATE_LIMIT_PER_MINUTE, timed at the relay by arrival, against the limit.
 * This file turns both into the tables, checks and headlines.
 */
import { ACCEPTANCE_PER_MINUTE, type Acceptance, answersPerSecond, runAcceptance } from "../lib/acceptance.ts";
import { percentile, type Wave } from "../lib/callers.ts";
import type { BenchContext, Check, SuiteResult, Table } from "../lib/context.ts";
import { type Drain, runDrain } from "../lib/drain.ts";
import { recipients, smallMessage } from "../lib/messages.ts";
import { formatSummary, median, summarize } from "../lib/stats.ts";

export interface AsyncSettings {
	/** Callers in flight at once, in both parts. */
	callers: number;
	/** Sends per acceptance wave of `callers` (each of sync and async, per round); one caller's waves take an eighth. */
	sends: number;
	/** Messages the drain accepts and waits out. */
	drainMessages: number;
	/** RATE_LIMIT_PER_MINUTE for the drain (and the relay's own budget). */
	perMinute: number;
}

const template = smallMessage(recipients(1));
/** A small receipt with a subject of its own (the drain tells the relay's copies apart by it). */
const body = (subject: string) => ({
	from: template.from,
	to: template.to,
	subject,
	text: template.text,
	html: template.html,
});

const rate = answersPerSecond;

const latency = (waves: Wave[]) => {
	const all = waves.flatMap((w) => w.latenciesMs);
	return `${median(all).toFixed(0)} / ${percentile(all, 0.95).toFixed(0)}`;
};

const callersLabel = (n: number) => `${n} caller${n === 1 ? "" : "s"}`;

function acceptanceTable(ctx: BenchContext, s: AsyncSettings, a: Acceptance, d: Drain): Table {
	const rows = a.levels.flatMap((level) => [
		[
			`${callersLabel(level.callers)}: sync sends (200: delivered before the answer)`,
			formatSummary(summarize(level.sync.map((w) => w.ms)), 0),
			formatSummary(summarize(level.sync.map(rate))),
			latency(level.sync),
			"1.00×",
		],
		[
			`${callersLabel(level.callers)}: async sends (202: queued), consumer left out`,
			formatSummary(summarize(level.async.map((w) => w.ms)), 0),
			formatSummary(summarize(level.async.map(rate))),
			latency(level.async),
			`${formatSummary(level.ratio, 2)}×`,
		],
	]);
	const widest = a.levels[a.levels.length - 1];
	rows.push([
		`${callersLabel(s.callers)}: async sends (202) while the consumer drains at ${s.perMinute}/min (6b's ${s.drainMessages}, one wave)`,
		d.accept.ms.toFixed(0),
		rate(d.accept).toFixed(1),
		latency([d.accept]),
		`${(rate(d.accept) / median(widest.sync.map(rate))).toFixed(2)}× (over the sync median)`,
	]);
	const waves = a.levels.map((l) => `${l.sends} sends per wave for ${callersLabel(l.callers)}`).join(", ");
	return {
		title: "6a. Async sends: 202 answers per second against sync sends",
		columns: [
			"callers: sends",
			"wall ms, median (min–max)",
			"answers/s",
			"answer ms, median / p95",
			"vs sync (paired by round)",
		],
		rows,
		notes: [
			`edgesend's whole Worker (src/index.ts bundled as wrangler would) in workerd, with wrangler.toml's bindings read through wrangler (SEND_QUEUE, D1 with migrations/ applied, the R2 spool, the RateLimiter, IdempotencyStore and RelayPool objects), SMTP_POOL at its default (on), RATE_LIMIT_PER_MINUTE ${ACCEPTANCE_PER_MINUTE} (the production default, so no sync send is refused). Each caller posts its next POST /v1/send as soon as its last is answered; ${waves}; ${ctx.batchRuns} rounds per level, sync and async taking turns first, after one unrecorded wave of each (it opens the pool's warm sessions). Timed from Node around the wave; every answer checked (200 with the relay id, 202 with a ref), every sync send found at the relay.`,
			`A sync send answers once the relay said 250 (a warm pooled session: 2 round trips of the ${ctx.rttMs.toFixed(1)} ms RTT, plus composing, the limiter's acquire and settle, the record); an async send answers once the message is composed, spooled to R2, recorded in D1 and queued: no relay in its path. One caller shows what a caller waits; ${callersLabel(s.callers)} at once make both paths bound by the two cores (every simulator — D1, R2, the queue, the objects — runs in the same workerd), so that ratio is one of CPU per send, not of waiting. “vs sync” divides each round's 202/s by the same round's 200/s (median and range over the rounds).`,
			"The acceptance Worker has no queue consumer: on the platform the consumer runs in invocations of its own, here it would share the two cores with the callers. The last row is 6b's acceptance, with the consumer delivering on the same cores at the same time (and a Worker not warmed up first): a lower bound, and the noisiest figure here.",
			`Small receipts (${(a.bytes / 1024).toFixed(1)} KB as the relay receives them), 1 recipient each. On 2 shared cores compare the ratios, not the rates.`,
		],
	};
}

function drainTable(s: AsyncSettings, d: Drain): Table {
	const a = d.arrivals;
	const gaps = summarize(a.gapsMs.map((g) => g / 1000));
	const share = (a.steadyPerMinute / s.perMinute) * 100;
	return {
		title: `6b. Async sends: the queue's drain against RATE_LIMIT_PER_MINUTE=${s.perMinute}`,
		columns: ["figure", "measured"],
		rows: [
			[
				"accepted",
				`${s.drainMessages} by ${s.callers} callers in ${(d.accept.ms / 1000).toFixed(1)} s (the consumer starts at once)`,
			],
			[
				"final records (D1)",
				Object.entries(d.counts)
					.map(([status, n]) => `${n} ${status}`)
					.join(", "),
			],
			[
				"at the relay",
				`${d.received} messages, ${d.distinct} distinct (each once), ${d.refusals} × 536 Frequency limited`,
			],
			[
				`first ${s.perMinute} arrivals (the window still empty)`,
				`${(a.firstWindowMs / 1000).toFixed(1)} s = ${((s.perMinute * 1000) / a.firstWindowMs).toFixed(1)} msg/s: the consumer's own pace here`,
			],
			[
				`steady drain: arrival n against arrival n − ${s.perMinute}`,
				`${formatSummary(gaps, 2)} s over ${a.gapsMs.length} messages → ${a.steadyPerMinute.toFixed(0)} per minute = ${share.toFixed(1)} % of the limit`,
			],
			["busiest 60 s window at the relay", `${a.busiestWindow} (limit ${s.perMinute})`],
			["arrivals per minute from the first", a.perMinute.join(", ")],
			["first request to last arrival", `${(d.totalMs / 1000).toFixed(1)} s`],
		],
		notes: [
			`The Worker as deployed: wrangler.toml's queue consumer (max_batch_size 12, max_batch_timeout 1 s, max_retries 10; Miniflare's local queue), D1, the R2 spool and the api_user's RateLimiter object at RATE_LIMIT_PER_MINUTE=${s.perMinute}, delivering through the pool (its default) to the relay behind the latency proxy. The relay counts like the provider and answers 536 past ${s.perMinute} MAIL commands in 60 s. Times are the relay's own arrival times (Node's clock): nothing the Worker says about itself.`,
			`The limiter is a sliding 60 s window (one-second buckets over 61 s; a permit counts from the second its delivery ended): the first ${s.perMinute} go as fast as the consumer delivers them; a job refused a permit goes back in the queue and asks again at a random moment between the next free permit and at most 15 s later (limiterWaitMs in src/util/backoff.ts), so a backlog asks about fifteen times less often than every second. Message n + ${s.perMinute} can reach the relay no sooner than 60 s after message n; the steady rate is ${s.perMinute} per median gap between those two. What the median gap holds past 60 s is the bucket rounding (up to 1 s), the queue's batch timeout (1 s) and the delivery; the largest gaps are the spread of the asks: a job that drew a late moment waits for it with permits free (at most the 15 s spread), which is where the last messages of a backlog end up.`,
			`Why ${s.perMinute}/min: at the production default (30,000) the consumer, not the limit, would set the pace on this machine (the first window shows its own pace); at ${s.perMinute} the limit binds within a few seconds and ${s.drainMessages} messages take about ${Math.ceil(s.drainMessages / s.perMinute) - 1} windows past the first, a bounded run. It is the burst test's figure (test/burst/), here measured instead of asserted.`,
		],
	};
}

export async function asyncSends(ctx: BenchContext, s: AsyncSettings): Promise<SuiteResult> {
	const script = ctx.bundles.app;
	if (!script) return { tables: [], failed: { edgesend: ctx.bundles.appMissing ?? "no app bundle" }, headlines: [] };
	// One caller (what a caller waits) and N (what the Worker takes); one caller needs fewer sends for a steady figure.
	const levels = [
		{ callers: 1, sends: Math.max(10, Math.round(s.sends / 8)) },
		{ callers: s.callers, sends: s.sends },
	];
	ctx.log(`bench: async: acceptance, 1 and ${s.callers} callers…`);
	const a = await runAcceptance({
		script,
		oneWayMs: ctx.oneWayMs,
		rounds: ctx.batchRuns,
		levels: s.callers > 1 ? levels : [levels[1]],
		body,
	});
	ctx.log(`bench: async: drain, ${s.drainMessages} messages at ${s.perMinute}/min…`);
	const d = await runDrain({
		script,
		oneWayMs: ctx.oneWayMs,
		callers: s.callers,
		messages: s.drainMessages,
		perMinute: s.perMinute,
		body: (i) => body(`drain ${i}`),
		log: ctx.log,
	});
	const one = a.levels[0];
	const widest = a.levels[a.levels.length - 1];
	const rates = (l: (typeof a.levels)[number]) =>
		`${median(l.async.map(rate)).toFixed(1)} against ${median(l.sync.map(rate)).toFixed(1)} answers/s`;
	const share = (d.arrivals.steadyPerMinute / s.perMinute) * 100;
	const allSent = d.counts.sent === s.drainMessages && d.distinct === s.drainMessages && d.received === d.distinct;
	const checks: Check[] = [
		{
			expected: "202 answers come faster than sync sends' 200s (no relay in their path)",
			measured: a.levels
				.map((l) => `${callersLabel(l.callers)}: ${rates(l)}, ${formatSummary(l.ratio, 2)}× paired by round`)
				.join("; "),
			held: a.levels.every((l) => l.ratio.min > 1)
				? "yes"
				: a.levels.every((l) => l.ratio.median > 1)
					? "by the median"
					: "no",
		},
		{
			expected: `the drain runs at the configured ${s.perMinute}/min and never passes it in any 60 s at the relay`,
			measured: `${d.arrivals.steadyPerMinute.toFixed(0)}/min steady (${share.toFixed(1)} %); busiest 60 s ${d.arrivals.busiestWindow}; ${d.refusals} × 536; ${allSent ? "all sent once" : `not all sent once: ${JSON.stringify(d.counts)}, ${d.distinct} distinct at the relay`}`,
			held: d.arrivals.busiestWindow <= s.perMinute && d.refusals === 0 && allSent ? "yes" : "no",
		},
	];
	return {
		tables: [acceptanceTable(ctx, s, a, d), drainTable(s, d)],
		failed: {},
		headlines: [
			`Async acceptance: one caller waits ${median(one.async.flatMap((w) => w.latenciesMs)).toFixed(0)} ms for a 202 against ${median(one.sync.flatMap((w) => w.latenciesMs)).toFixed(0)} ms for a sync 200 (${one.ratio.median.toFixed(2)}× the answers per second); ${callersLabel(widest.callers)}: ${median(widest.async.map(rate)).toFixed(0)} 202s/s against ${median(widest.sync.map(rate)).toFixed(0)} 200s/s (${widest.ratio.median.toFixed(2)}×)`,
			`Drain at RATE_LIMIT_PER_MINUTE=${s.perMinute}: ${d.arrivals.steadyPerMinute.toFixed(0)}/min at the relay (${share.toFixed(1)} % of the limit), busiest 60 s window ${d.arrivals.busiestWindow}, ${d.refusals} × 536, ${d.counts.sent ?? 0} of ${s.drainMessages} sent`,
		],
		checks,
	};
}
