/**
 * The counts the scale bench reads, kept per isolate: every Durable Object
 * and every handler of the bench's Worker run in the same workerd isolate
 * (one service), so the objects write here and the Worker's stats route reads
 * the same map. Kept outside the object instances so an object that is
 * evicted and built again keeps its counts. `token` lets the stats route
 * prove an object really shares this isolate's map.
 */

export interface TableContent {
	table: string;
	rows: number;
	/** Bytes of the table's own cells (a rowid b-tree: appended in rowid order, pages fill up). */
	tableBytes: number;
	/** Bytes of its indexes' entries (keys in any order: pages fill less). */
	indexBytes: number;
}

/** One method of one object: how often it was called and how long its handler ran (wall time, ms). */
export interface MethodCounts {
	calls: number;
	/** Sum of the handler times as workerd's clock shows them (under Miniflare, wall time). */
	measuredMs: number;
	/** Sum over calls of max(1 ms, handler time): the model's charge. */
	chargedMs: number;
	maxMs: number;
	/** Of `calls`, those an alarm or the cron made (counted where they were made): timed work, not a message's. */
	timed: number;
}

export interface ObjectCounts {
	className: string;
	/** The name it was addressed by (idFromName), or its id when it has none. */
	name: string;
	methods: Record<string, MethodCounts>;
}

/** One D1 database binding, as its callers used it. */
export interface DatabaseCounts {
	binding: string;
	/** Calls that go to the database and back: a statement's run/all/first/raw, a batch, an exec, a dump. */
	roundTrips: number;
	/** Statements inside them (a batch of five is one round trip and five statements). */
	statements: number;
	/** As D1 reports them in `meta` (run, all and batch answer it; first and raw do not). */
	rowsRead: number;
	rowsWritten: number;
	/** Of `roundTrips`, those made inside an alarm or the cron. */
	timedRoundTrips: number;
}

/** What `__benchStats()` answers. */
export interface ObjectReport {
	name: string;
	/** The SQLite database's size in bytes (`ctx.storage.sql.databaseSize`), 0 for an object without SQLite. */
	databaseSize: number;
	/** Its rows and index entries, table by table, from the rows themselves (content.ts). */
	content: TableContent[];
	/** The registry this object writes to (the stats route compares it with its own). */
	token: string;
	/** Requests this object counted, from its side. */
	calls: number;
}

export interface Stats {
	token: string;
	objects: ObjectCounts[];
	databases: DatabaseCounts[];
}

let isolateToken: string | undefined;
/** This isolate's token, drawn at first use (random values are refused at a Worker's global scope). */
export const token = (): string => (isolateToken ??= crypto.randomUUID());
const objects = new Map<string, ObjectCounts>();
const databases = new Map<string, DatabaseCounts>();

/** Charged to one request to an object: the model's floor of 1 ms. */
export const chargeOf = (ms: number): number => Math.max(1, ms);

function methodCounts(className: string, name: string, method: string): MethodCounts {
	const key = `${className}\n${name}`;
	let entry = objects.get(key);
	if (!entry) {
		entry = { className, name, methods: {} };
		objects.set(key, entry);
	}
	entry.methods[method] ??= { calls: 0, measuredMs: 0, chargedMs: 0, maxMs: 0, timed: 0 };
	return entry.methods[method];
}

/** A request an object received (counted by the object). */
export function countCall(className: string, name: string, method: string, ms: number): void {
	const m = methodCounts(className, name, method);
	m.calls++;
	m.measuredMs += ms;
	m.chargedMs += chargeOf(ms);
	m.maxMs = Math.max(m.maxMs, ms);
}

/** A request made from inside an alarm or the cron (counted by the caller; the object counts its arrival). */
export function countTimedCall(className: string, name: string, method: string): void {
	methodCounts(className, name, method).timed++;
}

export function databaseCounts(binding: string): DatabaseCounts {
	let entry = databases.get(binding);
	if (!entry) {
		entry = { binding, roundTrips: 0, statements: 0, rowsRead: 0, rowsWritten: 0, timedRoundTrips: 0 };
		databases.set(binding, entry);
	}
	return entry;
}

export const objectCounts = (className: string, name: string): ObjectCounts | undefined =>
	objects.get(`${className}\n${name}`);

export function snapshot(): Stats {
	return {
		token: token(),
		objects: structuredClone([...objects.values()]),
		databases: structuredClone([...databases.values()]),
	};
}
