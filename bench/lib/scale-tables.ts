/**
 * The scale bench's tables (bench/suites/scale.ts runs the paths): requests
 * per message by path, each class's spread and busiest object, the ceilings,
 * the storage arithmetic, and issue 20's figures for main beside them.
 */
import type { Table } from "./context.ts";
import { type Ceiling, type ClassStorage, D1_MS, D1_MS_LOW, type PathLoad } from "./scale-model.ts";
import type { PathRun } from "./scale-paths.ts";

/** One row of the bench: a path, or a part of the lifecycle, with its load. */
export interface LoadRow {
	label: string;
	run: PathRun;
	messages: number;
	load: PathLoad;
}

export const rate = (c: Ceiling) => (Number.isFinite(c.perSecond) ? `${Math.round(c.perSecond)}/s` : "∞");
const n2 = (n: number) => n.toFixed(2);
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));
const gb = (bytes: number) => `${(bytes / 1e9).toFixed(2)} GB`;

export function overviewTable(rows: LoadRow[], messages: number): Table {
	return {
		title: "7a. Scale: requests per message to each shared piece, by path",
		columns: ["path", "D1 round trips (statements, rows written)", "object requests by class", "checked", "took"],
		rows: rows.map(({ label, run, load }) => [
			label,
			load.databases.length
				? load.databases
						.map(
							(d) =>
								`${d.binding}: ${n2(d.roundTripsPerMessage)} (${n2(d.statementsPerMessage)}, ${n2(d.rowsWrittenPerMessage)})`,
						)
						.join("; ")
				: "none bound",
			load.classes
				.filter((c) => c.callsPerMessage > 0)
				.map((c) => `${c.className} ${n2(c.callsPerMessage)}`)
				.join(", "),
			label === run.path ? run.checked : "(part of the lifecycle)",
			label === run.path ? `${(run.ms / 1000).toFixed(1)} s` : "",
		]),
		notes: [
			`Each path runs ${messages} messages through edgesend's Worker as built from src/index.ts, in workerd (Miniflare) with wrangler.toml's bindings (the queue and its consumer, the R2 spool, every Durable Object, and D1 while the toml declares it), a fresh start per path, against the suite's relay (test/fixtures/provider-relay.ts) behind the latency proxy. Requests are counted where they arrive: every Durable Object class the toml binds is replaced by a counting subclass of itself and every D1 binding by a counting wrapper (bench/counting/, bench/README.md says why), so the counts do not depend on how the code spreads its calls. A path's counts are taken once what a user sees is complete (answers, the relay's copies, the webhooks) and the counts have not moved for 3 s; the reads that check every record afterwards are not in them.`,
			"D1: a round trip is one run/all/first/raw of a statement, one batch (of any size) or one exec; rows written as D1 reports them. Object requests: one RPC call, fetch or alarm that the runtime hands an object; a call an object makes on itself is part of the request it is in. Alarms are time-driven (a shard's sweep runs about once a minute, whatever the rate), so they are counted apart (table 7b) and left out of the per-message figures.",
			"The lifecycle is one path: async sends with webhooks on (EVENTS_WEBHOOK_URL to a receiver the bench starts), then, once every message.sent webhook is in, one signed `delivered` provider callback per message (POST /v1/events/engagelab, as EngageLab signs it) and its message.delivered webhook. Its two parts are the counts before the callbacks and the difference after.",
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
			"alarms in the run",
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
				String(c.alarms),
			]),
		),
		notes: [
			"Handler time is workerd's clock around the handler (from the runtime's call to the end of its answer). That clock stands still while JavaScript runs and moves only across I/O, so a handler that does its work in SQLite and answers measures 0 ms, and the model charges it 1 ms; a handler that waits on I/O measures the wait (the RelayPool's deliver is the relay's round trips).",
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
		],
		rows: rows.map(({ label, load }) => [
			label,
			`${rate(load.ceiling)}: ${load.ceiling.piece}`,
			`${rate(load.ceilingMeasured)}: ${load.ceilingMeasured.piece}`,
			`${rate(load.ceilingD1Low)}: ${load.ceilingD1Low.piece}`,
		]),
		notes: [
			`Model (issue 20): a D1 database runs one round trip at a time, ${D1_MS} ms each (${D1_MS_LOW} ms shown too); a Durable Object runs one request at a time, each costing max(1 ms, its measured handler time). A path's ceiling is the rate at which its busiest piece is fully busy: 1000 ms ÷ the most milliseconds any one piece spends per message. For a class spread over several objects that is its charged time per message ÷ its objects (first column); the second column takes instead the busiest object this run really had.`,
			`Left out of the ceiling: ${pools.length ? pools.join("; ") : "nothing"}. The ceiling is about the state every send passes through; the relay's sessions are sized by SMTP_POOL_SHARDS from the relay's round trip (README), and the relay itself allows 30,000 a minute per api_user.`,
		],
	};
}

/** How long one object takes to reach `capBytes` at `perMinute` spread over its class's objects. */
function capTime(c: ClassStorage, perMinute: number, capBytes: number): string {
	const perMessage = c.acceptBytes + c.callbackBytes;
	if (perMessage <= 0) return "never";
	const hours = (capBytes - c.baseBytes) / ((perMessage * perMinute * 60) / c.objects);
	if (c.byDay && hours > 24) return "never (a day's object stops growing)";
	return hours < 48 ? `${hours.toFixed(1)} hours` : `${(hours / 24).toFixed(0)} days`;
}

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
			"bytes per message: accept → final + webhook, callback + webhook",
			"one object holds",
			"messages per object",
			"largest object (accept → final's bytes alone)",
			"under 10 GB",
			"10 GB reached after",
		],
		rows: classes.map((c) => [
			c.className,
			String(c.objects),
			`${c.acceptBytes.toFixed(0)} + ${c.callbackBytes.toFixed(0)}`,
			c.byDay ? "one UTC day (named by it)" : `${retentionDays} days`,
			Math.round(c.messagesPerObject).toLocaleString("en"),
			`${gb(c.largestBytes)} (${gb(c.largestAcceptBytes)})`,
			c.largestBytes < capBytes ? "yes" : c.largestAcceptBytes < capBytes ? "with accept → final's bytes alone" : "no",
			capTime(c, perMinute, capBytes),
		]),
		notes: [
			"Bytes per message: the lifecycle runs in two rounds of half its messages. Each object's SQLite size (ctx.storage.sql.databaseSize, read inside the object) is read before the second round, after its accept → final part and after its callbacks; each part's growth over the class's objects (from an empty object's size for an object new in the round), ÷ the round's messages, is its bytes per message; a D1 database the same way, by the size D1 reports after a query. The first round pays what is paid once (schemas, first pages, the directory's note of each shard). SQLite grows by 4 KiB pages, so each object's growth is a whole number of pages: with few messages per object the figure is coarse, and it sharpens with --scale-messages.",
			...(flat.length ? [`Not shown: ${flat.join(", ")}, whose size did not grow in the second round.`] : []),
			`Largest object: ${perMinute.toLocaleString("en")} messages a minute is ${(perMinute * 1440).toLocaleString("en")} a day for one api_user, spread evenly over the objects the run used. A class whose object names carry the UTC day holds one day's records in each object (retention deletes whole days); any other class is charged ${retentionDays} days (MESSAGE_RETENTION_DAYS) of both parts' bytes, an upper bound where a part expires sooner (the RelayIndex keeps a relay id for the retention, a callback's signature an hour): the figure in brackets is the accept → final part alone. Several api_users sharing the same objects add up.`,
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
