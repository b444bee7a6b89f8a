/**
 * A D1 binding, counted: every call that goes to the database and back (a
 * statement's run/all/first/raw, a batch, an exec, a dump) is one round
 * trip of that database, with the statements in it and the rows D1 says it
 * read and wrote. Statements are wrapped as they are prepared and bound, so
 * a batch hands D1 its own statement objects back.
 */
import { type DatabaseCounts, databaseCounts } from "./registry.ts";
import { timed } from "./timed.ts";

const originals = new WeakMap<object, D1PreparedStatement>();
const ROUND_TRIP_METHODS = new Set(["run", "all", "first", "raw"]);

/** One round trip of `statements` statements, timed work when an alarm or the cron makes it. */
function countRoundTrip(counts: DatabaseCounts, statements: number): void {
	counts.roundTrips++;
	counts.statements += statements;
	if (timed.getStore()) counts.timedRoundTrips++;
}

function tally(counts: DatabaseCounts, results: unknown[]): void {
	for (const result of results) {
		const meta = (result as { meta?: { rows_read?: number; rows_written?: number } } | null)?.meta;
		counts.rowsRead += meta?.rows_read ?? 0;
		counts.rowsWritten += meta?.rows_written ?? 0;
	}
}

/** Calls `method` on `target` as itself (workerd's bindings check their receiver). */
function passThrough(target: object, property: string | symbol): unknown {
	const value = Reflect.get(target, property, target);
	return typeof value === "function" ? value.bind(target) : value;
}

function countedStatement(statement: D1PreparedStatement, counts: DatabaseCounts): D1PreparedStatement {
	const proxy = new Proxy(statement, {
		get(target, property) {
			if (property === "bind") return (...values: unknown[]) => countedStatement(target.bind(...values), counts);
			if (typeof property === "string" && ROUND_TRIP_METHODS.has(property)) {
				return async (...args: unknown[]) => {
					countRoundTrip(counts, 1);
					const method = (target as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[property];
					const result = await method.apply(target, args);
					tally(counts, [result]);
					return result;
				};
			}
			return passThrough(target, property);
		},
	});
	originals.set(proxy, statement);
	return proxy;
}

/** `prepare` and `batch` of a database or of one of its sessions. */
function countedQueries<T extends Pick<D1Database, "prepare" | "batch">>(db: T, counts: DatabaseCounts): T {
	return new Proxy(db, {
		get(target, property) {
			if (property === "prepare") return (query: string) => countedStatement(target.prepare(query), counts);
			if (property === "batch") {
				return async (statements: D1PreparedStatement[]) => {
					countRoundTrip(counts, statements.length);
					const results = await target.batch(statements.map((s) => originals.get(s) ?? s));
					tally(counts, results);
					return results;
				};
			}
			if (property === "exec" || property === "dump") {
				return async (...args: unknown[]) => {
					countRoundTrip(counts, 1);
					const method = (target as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[property];
					return method.apply(target, args);
				};
			}
			if (property === "withSession") {
				return (...args: unknown[]) =>
					countedQueries((target as unknown as D1Database).withSession(...(args as [string])), counts);
			}
			return passThrough(target, property);
		},
	});
}

/** `db` counted under `binding`. */
export const countedD1 = (db: D1Database, binding: string): D1Database => countedQueries(db, databaseCounts(binding));
