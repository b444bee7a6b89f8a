/**
 * The scale bench's tables (bench/suites/scale.ts runs the paths): requests
 * per message by path, each class's spread and busiest object, the ceilings,
 * the storage arithmetic, and issue 20's figures for main beside them.
 */
import type { Table } from "./context.ts";
import { type Ceiling, D1_MS, D1_MS_LOW, type PathLoad } from "./scale-model.ts";
import type { PathRun } from "./scale-paths.ts";
import { type ClassStorage, charged, INDEX_FILL, type PartBytes } from "./scale-storage.ts";

/** One row of the bench: a path, or a part of the lifecycle, with its load. */
export interface LoadRow {
	label: string;
	run: PathRun;
	messages: number;
	load: PathLoad;
	/** A whole path's first round (a cold isolate). */
	cold?: PathLoad;
}

/** Requests per message by class, and D1 round trips, in the first round where they differ from the second's. */
function coldDifferences(load: PathLoad, cold: PathLoad | undefined): string {
	if (!cold) return "";
	const warm = new Map(load.classes.map((c) => [c.className, c.callsPerMessage]));
	const differ = [
		...cold.classes
			.filter((c) => Math.abs(c.callsPerMessage - (warm.get(c.className) ?? 0)) >= 0.01)
			.map((c) => `${c.className} ${n2(c.callsPerMessage)}`),
		...cold.databases
			.filter((d) => {
				const w = load.databases.find((x) => x.binding === d.binding)?.roundTripsPerMessage ?? 0;
				return Math.abs(d.roundTripsPerMessage - w) >= 0.01;
			})
			.map((d) => `D1 ${d.binding} ${n2(d.roundTripsPerMessage)}`),
	];
	return differ.length ? differ.join(", ") : "the same";
}

export const rate = (c: Ceiling) => (Number.isFinite(c.perSecond) ? `${Math.round(c.perSecond)}/s` : "∞");
const n2 = (n: number) => n.toFixed(2);
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));
const gb = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;

export function overviewTable(rows: LoadRow[], messages: number): Table {
	return {
		title: "7a. Scale: requests per message to each shared piece, by path",
		columns: [
			"path",
			"D1 round trips (statements, rows written)",
			"object requests by class",
			"first round (a cold isolate), where it differs",
			"checked",
			"took",
		],
		rows: rows.map(({ label, run, load, cold }) => [
			label,
			load.databases.length
				? load.databases
						.map(
							(d) =>
								`${d.binding}: ${n2(d.roundTripsPerMessage)} (${n2(d.statementsPerMessage)}, ${n2(d.rowsWrittenPerMessage)})${d.timedRoundTrips ? `; ${d.timedRoundTrips} from timers` : ""}`,
						)
						.join("; ")
				: "none bound",
			load.classes
				.filter((c) => c.callsPerMessage > 0)
				.map((c) => `${c.className} ${n2(c.callsPerMessage)}`)
				.join(", "),
			coldDifferences(load, cold),
			label === run.path ? run.checked : "(part of the lifecycle)",
			label === run.path ? `${(run.ms / 1000).toFixed(1)} s` : "",
		]),
		notes: [
			`Each path runs ${messages} messages through edgesend's Worker as built from src/index.ts, in workerd (Miniflare) with wrangler.toml's bindings (the queue and its consumer, the R2 spool, every Durable Object, and D1 while the toml declares it), a fresh start per path, against the suite's relay (test/fixtures/provider-relay.ts) behind the latency proxy, in two rounds of about half the messages (a batch round is whole calls of 100). Requests are counted where they arrive: every Durable Object class the toml binds is replaced by a counting subclass of itself and every D1 binding by a counting wrapper (bench/counting/, bench/README.md says why), so the counts do not depend on how the code spreads its calls. A round's counts are taken once what a user sees is complete (answers, the relay's copies, the webhooks) and the counts have not moved for 3 s; the reads that check every record afterwards are not in them.`,
			"Every figure here and below is per message of the second round: the Worker's isolate is warm by then, as it is at any steady rate. The first round also pays what an isolate does once (the directory's note of each shard it writes to, the limiter's and the pool's first calls); it is shown where it differs, and is not in the ceilings.",
			"D1: a round trip is one run/all/first/raw of a statement, one batch (of any size) or one exec; rows written as D1 reports them. Object requests: one RPC call, fetch or alarm that the runtime hands an object; a call an object makes on itself is part of the request it is in. Timed work is counted apart (table 7b) and left out of the per-message figures: an object's alarm, and every request an alarm (or the Worker's cron) makes of other objects or of D1, counted where it is made. A store object's sweep runs on its alarm about once a minute whatever the rate, and gathers what it finds (a minute's relay ids for one index object in one request): at a low rate that is about a request per message, at the ceiling's a request per index object a minute.",
			"The lifecycle is one path: async sends with webhooks on (EVENTS_WEBHOOK_URL to a receiver the bench starts), then, once every message.sent webhook is in, one signed `delivered` provider callback per message (POST /v1/events/engagelab, as EngageLab signs it) and its message.delivered webhook. Its two parts (the second round's) are the counts up to the last message.sent webhook, and from there to the last message.delivered.",
		],
	};
}

export function classTable(rows: LoadRow[]): Table {
	return {
		title: "7b. Scale: each Durable Object class, its spread and its busiest object",
		columns: [
			"path",
			"class",
			"objects",
			"requests per message",
			"handler ms per request (measured)",
			"ms per message on one object, even spread",
			"busiest object: requests, ms per message",
			"timed work in the round: alarms run, requests from alarms",
		],
		rows: rows.flatMap(({ label, load }) =>
			load.classes.map((c) => [
				label,
				c.className,
				String(c.objects),
				n2(c.callsPerMessage),
				ms(c.measuredMsPerCall),
				ms(c.evenMsPerMessage),
				`${c.busiest.name}: ${n2(c.busiest.callsPerMessage)}, ${ms(c.busiest.msPerMessage)}`,
				`${c.alarms}, ${c.timedRequests}`,
			]),
		),
		notes: [
			"Handler time is workerd's clock around the handler, from the runtime's call to the end of its answer. On the platform that clock stands still while JavaScript runs; under Miniflare it does not (a loop of 30 million steps measures about 25 ms), so a handler's time here is its wall time on this machine: its CPU, and whatever the other processes on two shared cores took from it meanwhile (the largest single handler times, tens of ms, are that). It is an upper bound of the handler's own cost; the model charges max(1 ms, it). A handler that waits on I/O measures the wait (the RelayPool's deliver is the relay's round trips).",
			"“objects” is how many objects of the class received a request in the run: what a class that picks its object by a hash spreads over (a class named by api_user shows 1). “even spread” is the class's charged time per message divided by those objects: the load on each when the hash spreads evenly, which is what it does at the rate of a ceiling. The busiest real object is the one that was charged most in this run; with a few hundred messages over 16 or 32 objects it carries noticeably more than an even share (a hash spreads counts, not exactly), and the gap closes as the messages grow.",
		],
	};
}

export function ceilingTable(rows: LoadRow[], pools: string[]): Table {
	return {
		title: "7c. Scale: the ceiling per api_user, by path",
		columns: [
			"path",
			`ceiling (D1 ${D1_MS} ms; objects: even spread)`,
			"with the busiest real object",
			`with D1 at ${D1_MS_LOW} ms`,
			"with every object request at 1 ms",
		],
		rows: rows.map(({ label, load }) => [
			label,
			`${rate(load.ceiling)}: ${load.ceiling.piece}`,
			`${rate(load.ceilingMeasured)}: ${load.ceilingMeasured.piece}`,
			`${rate(load.ceilingD1Low)}: ${load.ceilingD1Low.piece}`,
			`${rate(load.ceilingFlat)}: ${load.ceilingFlat.piece}`,
		]),
		notes: [
			`Model (issue 20): a D1 database runs one round trip at a time, ${D1_MS} ms each (${D1_MS_LOW} ms shown too); a Durable Object runs one request at a time, each costing max(1 ms, its measured handler time). A path's ceiling is the rate at which its busiest piece is fully busy: 1000 ms ÷ the most milliseconds any one piece spends per message. For a class spread over several objects that is its charged time per message ÷ its objects (first column); the second column takes instead the busiest object this run really had; the last charges every object request 1 ms, whatever its handler measured (the counts alone, the same on any machine).`,
			`Left out of the ceiling: ${pools.length ? pools.join("; ") : "nothing"}. The ceiling is about the state every send passes through; the relay's sessions are sized by SMTP_POOL_SHARDS from the relay's round trip (README), and the relay itself allows 30,000 a minute per api_user.`,
		],
	};
}

/** How long one object takes to reach `capBytes` at `perMinute` spread over its class's objects, by the larger measure. */
function capTime(c: ClassStorage, perMinute: number, capBytes: number): string {
	const perMessage = (charged(c.largest) - c.baseBytes) / c.messagesPerObject;
	if (perMessage <= 0) return "never";
	const hours = (capBytes - c.baseBytes) / ((perMessage * perMinute * 60) / c.objects);
	if (c.byDay && hours > 24) return "never (a day's object stops growing)";
	return hours < 48 ? `${hours.toFixed(1)} hours` : `${(hours / 24).toFixed(0)} days`;
}

const parts = (c: ClassStorage, of: (p: PartBytes) => number) =>
	`${of(c.accept).toFixed(0)} + ${of(c.callback).toFixed(0)}`;

export function storageTable(
	classes: ClassStorage[],
	flat: string[],
	perMinute: number,
	retentionDays: number,
	capBytes: number,
): Table {
	return {
		title: `7d. Scale: storage per message (lifecycle) and the largest object at ${perMinute.toLocaleString("en")}/min for ${retentionDays} days`,
		columns: [
			"class",
			"objects",
			"pages: bytes per message, accept → final + callback",
			"rows: table + index bytes per message, accept → final + callback",
			"one object holds",
			"messages per object",
			"largest object, by pages / by rows",
			"accept → final's bytes alone",
			"under 10 GB",
			"10 GB reached after",
		],
		rows: classes.map((c) => [
			c.className,
			String(c.objects),
			parts(c, (p) => p.pages),
			`${parts(c, (p) => p.table)} table, ${parts(c, (p) => p.index)} index`,
			c.byDay ? "one UTC day (named by it)" : `${retentionDays} days`,
			Math.round(c.messagesPerObject).toLocaleString("en"),
			`${gb(c.largest.pages)} / ${gb(c.largest.rows)}`,
			c.byDay ? "" : `${gb(c.largestAccept.pages)} / ${gb(c.largestAccept.rows)}`,
			charged(c.largest) < capBytes
				? "yes"
				: !c.byDay && charged(c.largestAccept) < capBytes
					? "with accept → final's bytes alone"
					: "no",
			capTime(c, perMinute, capBytes),
		]),
		notes: [
			"The lifecycle's second round, read around its two parts (accept → final with its message.sent webhook; the delivered callback with its message.delivered webhook), per message of the round; the first round paid what is paid once (schemas, first pages, the directory's note of each shard). Two measures. Pages: each object's SQLite size (ctx.storage.sql.databaseSize, read inside the object; an object new in the round counts from an empty one of its class), which grows by whole 4 KiB pages: exact for what the 10 GB cap counts, but an object that gains less than a few pages in the round shows its growth as 0 or a page. Rows: the bytes of every table cell and index entry as SQLite's format stores them, summed over the rows (bench/counting/content.ts): exact, without the slack of part-filled pages.",
			`Largest object: ${perMinute.toLocaleString("en")} messages a minute is ${(perMinute * 1440).toLocaleString("en")} a day for one api_user, spread evenly over the objects the run used. A class whose object names carry the UTC day holds one day's records in each object (retention deletes whole days); any other class is charged ${retentionDays} days (MESSAGE_RETENTION_DAYS) of both parts, an upper bound where a part expires sooner (the RelayIndex keeps a relay id for the retention and a callback's signature an hour: its accept → final column is the one that lasts). By rows, tables' bytes count at full pages and indexes' at ${(INDEX_FILL * 100).toFixed(0)} % full (random key order); the larger of pages and rows decides. Several api_users sharing the same objects add up.`,
			...(flat.length
				? [
						`Not shown: ${flat.join(", ")}, which grew by less than 10 bytes a message in the second round: what they keep does not grow with the messages (a note per shard and day, a window of counters, sessions).`,
					]
				: []),
		],
	};
}

/** Issue 20's table: main's figures as the issue counted them from outside, for comparison. */
export const issueTable: Table = {
	title: "7e. For comparison: main before the store, as issue 20 counted it (copied from the issue)",
	columns: ["path", "D1 round trips", "rows written", "RateLimiter calls"],
	rows: [
		["sync `/v1/send`", "5 (4 reads, 2 writes)", "8", "2"],
		["`/v1/batch` of 100, each", "4", "8", "0.02"],
		["async, accept → final", "9", "15", "3"],
		["async with webhooks on", "16", "22", "3"],
		["one `delivered` callback + its webhook", "16", "18", "0"],
	],
	notes: [
		"Per message. “At 5 ms per D1 round trip that is a ceiling of about 33 sync sends/s and 6/s for the whole life of an async message with webhooks and one callback, against 500/s needed; at 30,000/min the 10 GB cap fills in 2–7 hours.” (issue 20)",
	],
};
