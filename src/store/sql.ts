/**
 * A thin layer over a Durable Object's SQLite (`ctx.storage.sql`): typed
 * reads, the count of rows a write changed, and JSON columns (the `?, ?, …`
 * of an IN list is util/sql.ts's).
 */

type Row = Record<string, SqlStorageValue>;

export class Sql {
	constructor(readonly storage: SqlStorage) {}

	all<T extends Row>(query: string, ...bindings: SqlStorageValue[]): T[] {
		return this.storage.exec<T>(query, ...bindings).toArray();
	}

	one<T extends Row>(query: string, ...bindings: SqlStorageValue[]): T | undefined {
		return this.all<T>(query, ...bindings)[0];
	}

	/** Runs a write; answers how many rows it inserted, changed or deleted (SQLite's changes(), not index writes). */
	run(query: string, ...bindings: SqlStorageValue[]): number {
		this.storage.exec(query, ...bindings).toArray();
		return this.storage.exec<{ n: number }>("SELECT changes() AS n").one().n;
	}
}

export const toJson = (value: unknown): string | null =>
	value === undefined || value === null ? null : JSON.stringify(value);

export const fromJson = <T>(text: SqlStorageValue | undefined): T | null =>
	typeof text === "string" ? (JSON.parse(text) as T) : null;
