/**
 * The scale bench's arithmetic, pure: from the counts of one path (requests
 * per Durable Object by class and name, round trips per D1 database) to the
 * load per message on each piece and the path's ceiling under the model —
 * a D1 round trip costs 5 ms of its database (1 ms shown too), a request to
 * an object costs max(1 ms, its handler time) of that object — and from the
 * objects' SQLite sizes to bytes per message and the largest object at the
 * provider's full rate.
 */
import type { ObjectCounts, Stats } from "../counting/registry.ts";
import type { Sizes } from "./scale-app.ts";

export const D1_MS = 5;
export const D1_MS_LOW = 1;
/** The runtime calls it on a timer, not per message: counted apart, not in the per-message load. */
const TIMED = new Set(["alarm"]);

export interface ClassLoad {
	className: string;
	/** Objects of the class that received a request: what its calls spread over. */
	objects: number;
	callsPerMessage: number;
	/** Mean handler time per request, as workerd's clock measured it. */
	measuredMsPerCall: number;
	/** The class's charged time per message, all objects together. */
	msPerMessage: number;
	/** Charged time per message on one object if the calls spread evenly: msPerMessage ÷ objects. */
	evenMsPerMessage: number;
	/** The real object with the most charged time. */
	busiest: { name: string; callsPerMessage: number; msPerMessage: number };
	/** Alarms the objects ran during the path (timed, not per message). */
	alarms: number;
}

export interface DatabaseLoad {
	binding: string;
	roundTripsPerMessage: number;
	statementsPerMessage: number;
	rowsWrittenPerMessage: number;
}

export interface Ceiling {
	perSecond: number;
	/** The piece that is fully busy at that rate. */
	piece: string;
}

export interface PathLoad {
	classes: ClassLoad[];
	databases: DatabaseLoad[];
	/** Busiest piece by the even spread of each class over its objects; D1 at 5 ms. */
	ceiling: Ceiling;
	/** Busiest piece by the busiest real object of each class; D1 at 5 ms. */
	ceilingMeasured: Ceiling;
	/** As `ceiling` with D1 at 1 ms a round trip. */
	ceilingD1Low: Ceiling;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

const perMessageCalls = (o: ObjectCounts) => Object.entries(o.methods).filter(([method]) => !TIMED.has(method));

/** The counts of `after` less those of `before` (a later snapshot of the same run less an earlier one). */
export function subtractStats(after: Stats, before: Stats): Stats {
	const earlier = new Map(before.objects.map((o) => [`${o.className}\n${o.name}`, o]));
	const objects = after.objects
		.map((o) => {
			const was = earlier.get(`${o.className}\n${o.name}`);
			const methods = Object.fromEntries(
				Object.entries(o.methods)
					.map(([name, m]) => {
						const w = was?.methods[name];
						return [
							name,
							{
								calls: m.calls - (w?.calls ?? 0),
								measuredMs: m.measuredMs - (w?.measuredMs ?? 0),
								chargedMs: m.chargedMs - (w?.chargedMs ?? 0),
								maxMs: m.maxMs,
							},
						] as const;
					})
					.filter(([, m]) => m.calls > 0),
			);
			return { ...o, methods };
		})
		.filter((o) => Object.keys(o.methods).length > 0);
	const databases = after.databases.map((d) => {
		const w = before.databases.find((b) => b.binding === d.binding);
		return {
			binding: d.binding,
			roundTrips: d.roundTrips - (w?.roundTrips ?? 0),
			statements: d.statements - (w?.statements ?? 0),
			rowsRead: d.rowsRead - (w?.rowsRead ?? 0),
			rowsWritten: d.rowsWritten - (w?.rowsWritten ?? 0),
		};
	});
	return { token: after.token, objects, databases };
}

/** The counts of two parts of a run added up. */
export function addStats(a: Stats, b: Stats): Stats {
	const objects = new Map(a.objects.map((o) => [`${o.className}\n${o.name}`, structuredClone(o)]));
	for (const o of b.objects) {
		const key = `${o.className}\n${o.name}`;
		const into = objects.get(key) ?? { className: o.className, name: o.name, methods: {} };
		for (const [name, m] of Object.entries(o.methods)) {
			const was = into.methods[name] ?? { calls: 0, measuredMs: 0, chargedMs: 0, maxMs: 0 };
			into.methods[name] = {
				calls: was.calls + m.calls,
				measuredMs: was.measuredMs + m.measuredMs,
				chargedMs: was.chargedMs + m.chargedMs,
				maxMs: Math.max(was.maxMs, m.maxMs),
			};
		}
		objects.set(key, into);
	}
	const databases: Stats["databases"] = [];
	for (const d of [...a.databases, ...b.databases]) {
		const was = databases.find((x) => x.binding === d.binding);
		if (!was) {
			databases.push({ ...d });
			continue;
		}
		was.roundTrips += d.roundTrips;
		was.statements += d.statements;
		was.rowsRead += d.rowsRead;
		was.rowsWritten += d.rowsWritten;
	}
	return { token: b.token, objects: [...objects.values()], databases };
}

function classLoads(stats: Stats, messages: number): ClassLoad[] {
	const byClass = new Map<string, ObjectCounts[]>();
	for (const o of stats.objects) byClass.set(o.className, [...(byClass.get(o.className) ?? []), o]);
	return [...byClass].map(([className, objects]) => {
		const each = objects.map((o) => {
			const calls = perMessageCalls(o);
			return {
				name: o.name,
				calls: sum(calls.map(([, m]) => m.calls)),
				measuredMs: sum(calls.map(([, m]) => m.measuredMs)),
				chargedMs: sum(calls.map(([, m]) => m.chargedMs)),
				alarms: sum(
					Object.entries(o.methods)
						.filter(([method]) => TIMED.has(method))
						.map(([, m]) => m.calls),
				),
			};
		});
		const serving = each.filter((o) => o.calls > 0);
		const calls = sum(each.map((o) => o.calls));
		const chargedMs = sum(each.map((o) => o.chargedMs));
		const busiest = serving.reduce((a, b) => (b.chargedMs > a.chargedMs ? b : a), serving[0] ?? each[0]);
		return {
			className,
			objects: serving.length,
			callsPerMessage: calls / messages,
			measuredMsPerCall: calls ? sum(each.map((o) => o.measuredMs)) / calls : 0,
			msPerMessage: chargedMs / messages,
			evenMsPerMessage: serving.length ? chargedMs / messages / serving.length : 0,
			busiest: {
				name: busiest.name,
				callsPerMessage: busiest.calls / messages,
				msPerMessage: busiest.chargedMs / messages,
			},
			alarms: sum(each.map((o) => o.alarms)),
		};
	});
}

function ceilingOf(pieces: { piece: string; ms: number }[]): Ceiling {
	const busiest = pieces.reduce((a, b) => (b.ms > a.ms ? b : a), { piece: "nothing shared", ms: 0 });
	return { perSecond: busiest.ms > 0 ? 1000 / busiest.ms : Number.POSITIVE_INFINITY, piece: busiest.piece };
}

/**
 * The load of one path of `messages` messages. Classes in `delivery` (the
 * relay's warm sessions: their handler time is the relay's round trips, with
 * several sessions per object at once) are listed but left out of the
 * ceiling, which is about state.
 */
export function pathLoad(stats: Stats, messages: number, delivery: ReadonlySet<string>): PathLoad {
	const classes = classLoads(stats, messages);
	const databases = stats.databases.map((d) => ({
		binding: d.binding,
		roundTripsPerMessage: d.roundTrips / messages,
		statementsPerMessage: d.statements / messages,
		rowsWrittenPerMessage: d.rowsWritten / messages,
	}));
	const state = classes.filter((c) => !delivery.has(c.className));
	const d1 = (ms: number) => databases.map((d) => ({ piece: `D1 ${d.binding}`, ms: d.roundTripsPerMessage * ms }));
	return {
		classes,
		databases,
		ceiling: ceilingOf([...state.map((c) => ({ piece: c.className, ms: c.evenMsPerMessage })), ...d1(D1_MS)]),
		ceilingMeasured: ceilingOf([
			...state.map((c) => ({ piece: `${c.className} ${c.busiest.name}`, ms: c.busiest.msPerMessage })),
			...d1(D1_MS),
		]),
		ceilingD1Low: ceilingOf([...state.map((c) => ({ piece: c.className, ms: c.evenMsPerMessage })), ...d1(D1_MS_LOW)]),
	};
}

export interface ClassStorage {
	className: string;
	objects: number;
	/** SQLite bytes each message adds to the class, all its objects together: by accept → final with its webhook… */
	acceptBytes: number;
	/** … and by its callback with its webhook. */
	callbackBytes: number;
	/** Each object holds one UTC day's records (its name carries the day). */
	byDay: boolean;
	/**
	 * Messages one object takes at `perMinute`, spread evenly over the objects
	 * seen: a day's worth for a class named by day, else `retentionDays` worth.
	 */
	messagesPerObject: number;
	/** What the object starts from: an empty object, or a database's size before the round. */
	baseBytes: number;
	/** The base plus both parts' bytes for each of those messages (for a class not named by day: an upper bound). */
	largestBytes: number;
	/** The same with accept → final's bytes alone. */
	largestAcceptBytes: number;
}

/** The sizes around one round of the lifecycle: before it, after its accept → final part, after its callbacks. */
export interface RoundSizes {
	roundStart: Sizes;
	afterAccept: Sizes;
	end: Sizes;
	messages: number;
}

const DAY_MS = 86_400_000;

/** An object name that carries the UTC day of the run (days since 1970) as one of its parts. */
function namesDay(name: string, days: number[]): boolean {
	return name.split(/[:/]/).some((part) => days.includes(Number(part)));
}

/** Each piece's size in bytes by class (objects) or by `D1 <binding>` (databases), then by name. */
function sizesByPiece(sizes: Sizes): Map<string, Map<string, number>> {
	const out = new Map<string, Map<string, number>>();
	const put = (piece: string, name: string, bytes: number) => {
		if (!out.has(piece)) out.set(piece, new Map());
		out.get(piece)?.set(name, bytes);
	};
	for (const o of sizes.objects) put(o.className, o.name, o.databaseSize);
	for (const d of sizes.databases) put(`D1 ${d.binding}`, d.binding, d.bytes);
	return out;
}

/** What a piece's objects grew by from `before` to `after` (an object new since then grew from `empty`). */
function growth(
	before: Map<string, number> | undefined,
	after: Map<string, number> | undefined,
	empty: number,
): number {
	return sum([...(after ?? [])].map(([name, bytes]) => bytes - (before?.get(name) ?? empty)));
}

/**
 * Bytes per message of each class (and each D1 database) over one round of
 * the lifecycle, and its largest object at `perMinute` kept `retentionDays`.
 */
export function storage(r: RoundSizes, perMinute: number, retentionDays: number, now = Date.now()): ClassStorage[] {
	const days = [Math.floor(now / DAY_MS), Math.floor(now / DAY_MS) - 1];
	const perDay = perMinute * 1440;
	const start = sizesByPiece(r.roundStart);
	const middle = sizesByPiece(r.afterAccept);
	const end = sizesByPiece(r.end);
	return [...end].map(([className, objects]) => {
		const database = className.startsWith("D1 ");
		const empty = database ? 0 : (r.end.empty.find((e) => e.className === className)?.databaseSize ?? 0);
		const acceptBytes = growth(start.get(className), middle.get(className), empty) / r.messages;
		const callbackBytes = growth(middle.get(className), objects, empty) / r.messages;
		const byDay = !database && [...objects.keys()].every((name) => namesDay(name, days));
		const messagesPerObject = (perDay * (byDay ? 1 : retentionDays)) / objects.size;
		// A database grows from its size before the round; an object from an empty one.
		const baseBytes = database ? Math.max(0, ...(start.get(className)?.values() ?? [])) : empty;
		return {
			className,
			objects: objects.size,
			acceptBytes,
			callbackBytes,
			byDay,
			messagesPerObject,
			baseBytes,
			largestBytes: baseBytes + Math.max(0, acceptBytes + callbackBytes) * messagesPerObject,
			largestAcceptBytes: baseBytes + Math.max(0, acceptBytes) * messagesPerObject,
		};
	});
}
