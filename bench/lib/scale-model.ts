/**
 * The scale bench's arithmetic of load, pure: from the counts of one path
 * (requests per Durable Object by class and name, round trips per D1
 * database) to the load per message on each piece and the path's ceiling
 * under the model — a D1 round trip costs 5 ms of its database (1 ms shown
 * too), a request to an object costs max(1 ms, its handler time) of that
 * object. Storage is scale-storage.ts.
 */
import type { DatabaseCounts, MethodCounts, ObjectCounts, Stats } from "../counting/registry.ts";

export const D1_MS = 5;
export const D1_MS_LOW = 1;
/** The runtime calls it on a timer, not per message: counted apart, not in the per-message load. */
const TIMED = new Set(["alarm", "scheduled"]);

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
	/** Requests the class received from alarms or the cron (timed, not per message). */
	timedRequests: number;
}

export interface DatabaseLoad {
	binding: string;
	roundTripsPerMessage: number;
	statementsPerMessage: number;
	rowsWrittenPerMessage: number;
	/** Round trips alarms or the cron made (timed, not per message). */
	timedRoundTrips: number;
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
	/** As `ceiling` with every object request at 1 ms, whatever its handler measured: the counts alone. */
	ceilingFlat: Ceiling;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** A method's counts from two of its counts, field by field. */
function combine(a: MethodCounts | undefined, b: MethodCounts, sign: 1 | -1): MethodCounts {
	const base = a ?? { calls: 0, measuredMs: 0, chargedMs: 0, maxMs: 0, timed: 0 };
	return {
		calls: base.calls + sign * b.calls,
		measuredMs: base.measuredMs + sign * b.measuredMs,
		chargedMs: base.chargedMs + sign * b.chargedMs,
		maxMs: Math.max(base.maxMs, b.maxMs),
		timed: base.timed + sign * b.timed,
	};
}

function combineDatabase(a: DatabaseCounts | undefined, b: DatabaseCounts, sign: 1 | -1): DatabaseCounts {
	const base = a ?? {
		binding: b.binding,
		roundTrips: 0,
		statements: 0,
		rowsRead: 0,
		rowsWritten: 0,
		timedRoundTrips: 0,
	};
	return {
		binding: b.binding,
		roundTrips: base.roundTrips + sign * b.roundTrips,
		statements: base.statements + sign * b.statements,
		rowsRead: base.rowsRead + sign * b.rowsRead,
		rowsWritten: base.rowsWritten + sign * b.rowsWritten,
		timedRoundTrips: base.timedRoundTrips + sign * b.timedRoundTrips,
	};
}

const keyOf = (o: ObjectCounts) => `${o.className}\n${o.name}`;

/** The counts of `a` plus (or, with sign −1, less) those of `b`: parts of one run added, or a later snapshot less an earlier. */
function merge(a: Stats, b: Stats, sign: 1 | -1): Stats {
	const objects = new Map(a.objects.map((o) => [keyOf(o), structuredClone(o)]));
	for (const o of b.objects) {
		const into = objects.get(keyOf(o)) ?? { className: o.className, name: o.name, methods: {} };
		for (const [name, m] of Object.entries(o.methods)) into.methods[name] = combine(into.methods[name], m, sign);
		objects.set(keyOf(o), into);
	}
	const databases = new Map(a.databases.map((d) => [d.binding, { ...d }]));
	for (const d of b.databases) databases.set(d.binding, combineDatabase(databases.get(d.binding), d, sign));
	const kept = [...objects.values()]
		.map((o) => ({ ...o, methods: Object.fromEntries(Object.entries(o.methods).filter(([, m]) => m.calls > 0)) }))
		.filter((o) => Object.keys(o.methods).length > 0);
	return { token: a.token, objects: kept, databases: [...databases.values()] };
}

/** The counts of `after` less those of `before` (a later snapshot of the same run less an earlier one). */
export const subtractStats = (after: Stats, before: Stats): Stats => merge(after, before, -1);

/** The counts of two parts of a run added up. */
export const addStats = (a: Stats, b: Stats): Stats => merge(a, b, 1);

/** A method's requests that came from a message's path: all but the timer's (the alarm, and what timers asked). */
function messageShare(method: string, m: MethodCounts) {
	if (TIMED.has(method) || m.calls <= 0) return { calls: 0, measuredMs: 0, chargedMs: 0 };
	const share = Math.max(0, m.calls - m.timed) / m.calls;
	return { calls: m.calls - m.timed, measuredMs: m.measuredMs * share, chargedMs: m.chargedMs * share };
}

function classLoads(stats: Stats, messages: number): ClassLoad[] {
	const byClass = new Map<string, ObjectCounts[]>();
	for (const o of stats.objects) byClass.set(o.className, [...(byClass.get(o.className) ?? []), o]);
	return [...byClass].map(([className, objects]) => {
		const each = objects.map((o) => {
			const shares = Object.entries(o.methods).map(([method, m]) => messageShare(method, m));
			return {
				name: o.name,
				calls: sum(shares.map((m) => m.calls)),
				measuredMs: sum(shares.map((m) => m.measuredMs)),
				chargedMs: sum(shares.map((m) => m.chargedMs)),
				alarms: sum(
					Object.entries(o.methods)
						.filter(([method]) => TIMED.has(method))
						.map(([, m]) => m.calls),
				),
				timed: sum(
					Object.entries(o.methods)
						.filter(([method]) => !TIMED.has(method))
						.map(([, m]) => m.timed),
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
			timedRequests: sum(each.map((o) => o.timed)),
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
	const databases = stats.databases.map((d) => {
		// What timers did is not a message's: their share of statements and rows goes with their round trips.
		const share = d.roundTrips ? (d.roundTrips - d.timedRoundTrips) / d.roundTrips : 0;
		return {
			binding: d.binding,
			roundTripsPerMessage: (d.roundTrips - d.timedRoundTrips) / messages,
			statementsPerMessage: (d.statements * share) / messages,
			rowsWrittenPerMessage: (d.rowsWritten * share) / messages,
			timedRoundTrips: d.timedRoundTrips,
		};
	});
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
		ceilingFlat: ceilingOf([
			...state.map((c) => ({ piece: c.className, ms: c.objects ? c.callsPerMessage / c.objects : 0 })),
			...d1(D1_MS),
		]),
	};
}
