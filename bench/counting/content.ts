/**
 * What an object's SQLite rows take, from the rows themselves: every table's
 * cells and every index's entries, sized as SQLite's file format stores them
 * (values by their serial types, a record header, the rowid, a cell pointer),
 * without the slack of part-filled pages. `databaseSize` counts whole 4 KiB
 * pages, too coarse for objects that hold a few rows each; this is exact to a
 * few bytes a row. Reads the schema through the PRAGMAs a Durable Object
 * allows (table_list, table_info, index_list, index_info).
 */
import type { TableContent } from "./registry.ts";

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** A value's bytes in a record (SQLite's serial types). */
const valueBytes = (expr: string) =>
	`(CASE typeof(${expr}) WHEN 'null' THEN 0 WHEN 'real' THEN 8 WHEN 'integer' THEN (CASE ` +
	`WHEN ${expr} BETWEEN -128 AND 127 THEN 1 WHEN ${expr} BETWEEN -32768 AND 32767 THEN 2 ` +
	`WHEN ${expr} BETWEEN -8388608 AND 8388607 THEN 3 WHEN ${expr} BETWEEN -2147483648 AND 2147483647 THEN 4 ` +
	`WHEN ${expr} BETWEEN -140737488355328 AND 140737488355327 THEN 6 ELSE 8 END) ` +
	`ELSE length(CAST(${expr} AS BLOB)) END)`;

/**
 * One cell: its values, a record header (a byte for its size and one per
 * value), the payload's size, the rowid (a table's key, an index's last value)
 * and the 2-byte pointer to the cell.
 */
const cellBytes = (values: string[]) =>
	`(${[...values, "_rowid_"].map(valueBytes).join(" + ")} + ${values.length + 2} + 2 + 2)`;

function rowsOf<T>(sql: SqlStorage, query: string): T[] {
	return [...sql.exec(query)] as T[];
}

/** The index's rows: a partial index holds only those its WHERE keeps. */
function whereOf(sql: SqlStorage, index: string): string {
	const [row] = rowsOf<{ sql: string | null }>(
		sql,
		`SELECT sql FROM sqlite_master WHERE type = 'index' AND name = '${index.replaceAll("'", "''")}'`,
	);
	const match = row?.sql ? /\sWHERE\s([\s\S]*)$/i.exec(row.sql) : null;
	return match ? ` WHERE ${match[1]}` : "";
}

export function contentOf(sql: SqlStorage): TableContent[] {
	const tables = rowsOf<{ name: string; type: string; schema: string }>(sql, "PRAGMA table_list").filter(
		(t) => t.schema === "main" && t.type === "table" && !/^(sqlite_|_cf_)/.test(t.name),
	);
	return tables.map(({ name }) => {
		const columns = rowsOf<{ name: string }>(sql, `PRAGMA table_info(${quote(name)})`).map((c) => quote(c.name));
		const [table] = rowsOf<{ rows: number; bytes: number | null }>(
			sql,
			`SELECT COUNT(*) AS rows, SUM(${cellBytes(columns)}) AS bytes FROM ${quote(name)}`,
		);
		let indexBytes = 0;
		for (const index of rowsOf<{ name: string }>(sql, `PRAGMA index_list(${quote(name)})`)) {
			const keys = rowsOf<{ name: string | null }>(sql, `PRAGMA index_info(${quote(index.name)})`)
				.filter((k) => k.name !== null)
				.map((k) => quote(k.name as string));
			const [entries] = rowsOf<{ bytes: number | null }>(
				sql,
				`SELECT SUM(${cellBytes(keys)}) AS bytes FROM ${quote(name)}${whereOf(sql, index.name)}`,
			);
			indexBytes += entries?.bytes ?? 0;
		}
		return { table: name, rows: table?.rows ?? 0, tableBytes: table?.bytes ?? 0, indexBytes };
	});
}
