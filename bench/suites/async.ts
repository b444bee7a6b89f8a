/**
 * Measurement 6: async sends (issue 13), through edgesend's whole Worker with
 * wrangler.toml's bindings. (a) Acceptance: N callers posting to /v1/send
 * with `Prefer: respond-async` (202 answers per second) against the same N
 * posting sync sends (200 answers per second, each delivered before its
 * answer), same build, same relay, rounds taking turns. (b) Drain: the real
 * queue consumer, D1 and the RateLimiter at RATE_LIMIT_PER_MINUTE, timed at
 * the relay by arrival, against the configured limit.
 */
import { callersWave, percentile, type Wave } from "../lib/callers.ts";
import type { BenchContext, Check, SuiteResult, Table } from "../lib/context.ts";
import { type DeployedApp, startDeployedApp } from "../lib/deployed-app.ts";
import { type Drain, runDrain } from "../lib/drain.ts";
import { recipients, smallMessage } from "../lib/messages.ts";
import { closeLink, type Link, openLink } from "../lib/senders.ts";
import { formatSummary, median, summarize } from "../lib/stats.ts";

export interface AsyncSettings {
	/** Callers in flight at once, in both parts. */
	callers: number;
	/** Sends per acceptance wave (each of sync and async, per round). */
	sends: number;
	/** Messages the drain accepts and waits out. */
	drainMessages: number;
	/** RATE_LIMIT_PER_MINUTE for the drain (and the relay's own budget). */
	perMinute: number;
}

/** The acceptance Worker's limit: the production default, so sync sends are never refused. */
const ACCEPTANCE_PER_MINUTE = 30_000;

const template = smallMessage(recipients(1));
/** A small receipt with a subject of its own (the drain tells the relay's copies apart by it). */
const body = (subject: string) => ({
	from: template.from,
	to: template.to,
	subject,
	text: template.text,
	html: template.html,
});

const rate = (w: Wave) => (w.latenciesMs.length * 1000) / w.ms;

/** One wave of sync or async sends; every answer checked, every sync send found at the relay. */
async function wave(app: DeployedApp, link: Link, callers: number, sends: number, async: boolean): Promise<Wave> {
	link.relay.reset();
	const want = async ? 202 : 200;
	const result = await callersWave(callers, sends, async (i) => {
		const { status, answer } = await app.send(body(`acceptance ${async ? "async" : "sync"} ${i}`), async);
		if (status !== want || typeof (async ? answer.ref : answer.id) !== "string") {
			throw new Error(`${async ? "async" : "sync"} send ${i} answered ${status}: ${JSON.stringify(answer)}`);
		}
	});
	const expected = async ? 0 : sends;
	if (link.relay.messages.length !== expected)
		throw new Error(`${async ? "async" : "sync"}: the relay received ${link.relay.messages.length}, not ${expected}`);
	return result;
}

interface Acceptance {
	/** Mean size of a message as the relay received it. */
	bytes: number;
	sync: Wave[];
	async: Wave[];
	/** Each round's 202/s over the same round's 200/s. */
	ratio: ReturnType<typeof summarize>;
}

/** (a) Rounds of sync and async waves taking turns first, after one unrecorded wave of each. */
async function acceptance(ctx: BenchContext, script: string, s: AsyncSettings): Promise<Acceptance> {
	const link = await openLink("starttls", ctx.oneWayMs);
	// No consumer here: on the platform it runs in invocations of its own; here it would take the same two cores.
	const app = await startDeployedApp(script, { link, perMinute: ACCEPTANCE_PER_MINUTE, consumer: false });
	try {
		await wave(app, link, s.callers, s.callers * 2, false); // opens the pool's sessions
		const bytes = link.relay.messages.reduce((sum, m) => sum + m.data.length, 0) / link.relay.messages.length;
		await wave(app, link, s.callers, s.callers * 2, true);
		const out: Acceptance = { bytes, sync: [], async: [], ratio: summarize([0]) };
		for (let round = 0; round < ctx.batchRuns; round++) {
			for (const async of round % 2 ? [true, false] : [false, true]) {
				(async ? out.async : out.sync).push(await wave(app, link, s.callers, s.sends, async));
			}
		}
		out.ratio = summarize(out.async.map((w, round) => rate(w) / rate(out.sync[round])));
		return out;
	} finally {
		await app.dispose();
		await closeLink(link);
	}
}

const latency = (waves: Wave[]) => {
	const all = waves.flatMap((w) => w.latenciesMs);
	return `${median(all).toFixed(0)} / ${percentile(all, 0.95).toFixed(0)}`;
};

function acceptanceTable(ctx: BenchContext, s: AsyncSettings, a: Acceptance, d: Drain | undefined): Table {
	const syncRate = summarize(a.sync.map(rate));
	const rows = [
		[
			"sync sends (200: delivered before the answer)",
			formatSummary(summarize(a.sync.map((w) => w.ms)), 0),
			formatSummary(syncRate),
			latency(a.sync),
			"1.00×",
		],
		[
			"async sends (202: queued), consumer left out",
			formatSummary(summarize(a.async.map((w) => w.ms)), 0),
			formatSummary(summarize(a.async.map(rate))),
			latency(a.async),
			`${formatSummary(a.ratio, 2)}×`,
		],
	];
	if (d) {
		rows.push([
			`async sends (202) while the consumer drains at ${s.perMinute}/min (the drain's ${s.drainMessages}, one wave)`,
			d.accept.ms.toFixed(0),
			rate(d.accept).toFixed(1),
			latency([d.accept]),
			`${(rate(d.accept) / syncRate.median).toFixed(2)}× (over the sync median)`,
		]);
	}
	return {
		title: `6a. Async sends: 202 answers per second against sync sends, ${s.callers} callers`,
		columns: [
			"sends",
			"wall ms, median (min–max)",
			"answers/s",
			"answer ms, median / p95",
			"vs sync (paired by round)",
		],
		rows,
		notes: [
			`edgesend's whole Worker (src/index.ts bundled as wrangler would) in workerd, with wrangler.toml's bindings read through wrangler (SEND_QUEUE, D1 with migrations/ applied, the R2 spool, the RateLimiter, IdempotencyStore and RelayPool objects), SMTP_POOL at its default (on), RATE_LIMIT_PER_MINUTE ${ACCEPTANCE_PER_MINUTE} (the production default, so no sync send is refused). ${s.callers} callers each post their next POST /v1/send as soon as the last is answered, ${s.sends} sends per wave; ${ctx.batchRuns} rounds, sync and async taking turns first, after one unrecorded wave of each (it opens the pool's warm sessions). Timed from Node around the wave; every answer checked (200 with the relay id, 202 with a ref), every sync send found at the relay.`,
			`A sync send answers once the relay said 250 (a warm pooled session: 2 round trips of the ${ctx.rttMs.toFixed(1)} ms RTT, plus composing); an async send answers once the message is composed, spooled to R2, recorded in D1 and queued: no relay in its path. “vs sync” divides each round's 202/s by the same round's 200/s (median and range over the rounds).`,
			"The acceptance Worker has no queue consumer: on the platform the consumer runs in invocations of its own, here it would share the two cores with the callers. The last row is the drain's acceptance (6b), with the consumer delivering at the same time on the same cores: what a caller sees while a backlog drains here, a lower bound.",
			`Small receipts (${(a.bytes / 1024).toFixed(1)} KB as the relay receives them), 1 recipient each. On 2 shared cores the sync path is bound by CPU (TLS, composing) as much as by round trips: compare the ratio, not the rates.`,
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
			`The limiter is a sliding 60 s window (one-second buckets over 61 s; a permit counts from the second its delivery ended): the first ${s.perMinute} go as fast as the consumer delivers them, the rest are put back in the queue until a permit frees, so message n + ${s.perMinute} can reach the relay no sooner than 60 s after message n. The steady rate is ${s.perMinute} per median gap between those two; below 100 % is what the gap holds past 60 s: the bucket rounding (up to 1 s), a refused job's wait back in the queue (whole seconds, at least 1), the queue's batch timeout (1 s) and the delivery itself.`,
			`Why ${s.perMinute}/min: at the production default (30,000) the consumer, not the limit, would set the pace on this machine (the first window shows its own pace); at ${s.perMinute} the limit binds within a few seconds and ${s.drainMessages} messages take about ${Math.ceil(s.drainMessages / s.perMinute) - 1} windows past the first, a bounded run. It is the burst test's figure (test/burst/), here measured instead of asserted.`,
		],
	};
}

export async function asyncSends(ctx: BenchContext, s: AsyncSettings): Promise<SuiteResult> {
	const script = ctx.bundles.app;
	if (!script) return { tables: [], failed: { edgesend: ctx.bundles.appMissing ?? "no app bundle" }, headlines: [] };
	ctx.log(`bench: async: acceptance, ${s.callers} callers, ${s.sends} sends a wave…`);
	const a = await acceptance(ctx, script, s);
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
	const syncRate = median(a.sync.map(rate));
	const asyncRate = median(a.async.map(rate));
	const share = (d.arrivals.steadyPerMinute / s.perMinute) * 100;
	const allSent = d.counts.sent === s.drainMessages && d.distinct === s.drainMessages && d.received === d.distinct;
	const checks: Check[] = [
		{
			expected: "202 answers come faster than sync sends' 200s (no relay in their path)",
			measured: `${asyncRate.toFixed(1)} against ${syncRate.toFixed(1)} answers/s, ${s.callers} callers: ${formatSummary(a.ratio, 2)}× paired by round`,
			held: a.ratio.min > 1 ? "yes" : a.ratio.median > 1 ? "by the median" : "no",
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
			`Async acceptance, ${s.callers} callers: ${asyncRate.toFixed(0)} 202s/s against ${syncRate.toFixed(0)} sync 200s/s (${a.ratio.median.toFixed(2)}× paired by round)`,
			`Drain at RATE_LIMIT_PER_MINUTE=${s.perMinute}: ${d.arrivals.steadyPerMinute.toFixed(0)}/min at the relay (${share.toFixed(1)} % of the limit), busiest 60 s window ${d.arrivals.busiestWindow}, ${d.refusals} × 536, ${d.counts.sent ?? 0} of ${s.drainMessages} sent`,
		],
		checks,
	};
}
