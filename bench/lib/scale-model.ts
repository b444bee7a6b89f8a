/**
 * The scale bench's arithmetic of load, pure: from the counts of one path
 * (requests per Durable Object by class and name, round trips per D1
 * database) to the load per message on each piece and the path's ceiling
 * under the model — a D1 round trip costs 5 ms of its database (1 ms shown
 * too), a request to an object costs max(1 ms, its handler time) of that
 * object. Storage is scale-storage.ts.
 */
import type { ObjectCounts, Stats } from "../counting/registry.ts";

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
	/** As `ceiling` with every object request at 1 ms, whatever its handler measured: the counts alone. */
	ceilingFlat: Ceiling;
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
		ceilingFlat: ceilingOf([
			...state.map((c) => ({ piece: c.className, ms: c.objects ? c.callsPerMessage / c.objects : 0 })),
			...d1(D1_MS),
		]),
	};
}
