/**
 * The scale bench's arithmetic of storage, pure: from the objects' sizes
 * around the lifecycle's second round to bytes per message by class and by
 * part (accept → final with its webhook; the callback with its webhook), and
 * the largest object at the provider's full rate. Two measures: the SQLite
 * file's growth in whole pages (`databaseSize`, what the 10 GB cap counts,
 * coarse when an object gains less than a few pages), and the rows' own
 * bytes (table cells and index entries, exact), turned into pages at a fill
 * of 100 % for tables (rows appended in rowid order pack their pages) and
 * ln 2 ≈ 69 % for indexes (keys arriving in any order leave pages about that
 * full). The larger of the two is what the largest object is charged.
 * Tables kept for less than the retention (SHORT_LIVED: the pool's job marks
 * and the relay index's callback signatures, an hour each) hold only that long
 * a stretch of traffic; an object that has one is charged by its rows.
 */
import type { Sizes } from "./scale-app.ts";

/** How full a b-tree's pages are when its keys arrive in random order (Yao's ln 2). */
export const INDEX_FILL = Math.LN2;
const DAY_MS = 86_400_000;

/** Tables whose rows leave long before the retention, by table name: how long a row stays. */
export const SHORT_LIVED: Readonly<Record<string, number>> = {
	// src/pool/job-marks.ts: a pool job's mark, kept an hour.
	job_marks: 3_600_000,
	// src/store/relay-index.ts: a callback signature bound to its body, kept an hour.
	signatures: 3_600_000,
};

/** Bytes per message of one part. */
export interface PartBytes {
	/** The SQLite file's growth (whole pages). */
	pages: number;
	/** Table cells and index entries, from the rows. */
	table: number;
	index: number;
}

export interface ClassStorage {
	className: string;
	objects: number;
	accept: PartBytes;
	callback: PartBytes;
	/** Each object holds one UTC day's records (its name carries the day). */
	byDay: boolean;
	/**
	 * Messages one object takes at `perMinute`, spread evenly over the objects
	 * seen: a day's worth for a class named by day, else `retentionDays` worth.
	 */
	messagesPerObject: number;
	/** What an object starts from: an empty one, or a database's size before the round. */
	baseBytes: number;
	/** The largest object with both parts' bytes (for a class not named by day: an upper bound), by pages and by rows. */
	largest: { pages: number; rows: number };
	/** The same with accept → final's bytes alone. */
	largestAccept: { pages: number; rows: number };
}

/** The sizes around one round of the lifecycle: before it, after its accept → final part, after its callbacks. */
export interface RoundSizes {
	roundStart: Sizes;
	afterAccept: Sizes;
	end: Sizes;
	messages: number;
}

interface PieceSize {
	pages: number;
	table: number;
	index: number;
	/** The short-lived tables' share of `table` and `index`, by how long their rows stay. */
	short: Map<number, { table: number; index: number }>;
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** An object name that carries the UTC day of the run (days since 1970) as one of its parts. */
function namesDay(name: string, days: number[]): boolean {
	return name.split(/[:/]/).some((part) => days.includes(Number(part)));
}

/** Each piece's size by class (objects) or by `D1 <binding>` (databases), then by name. */
function sizesByPiece(sizes: Sizes): Map<string, Map<string, PieceSize>> {
	const out = new Map<string, Map<string, PieceSize>>();
	const put = (piece: string, name: string, size: PieceSize) => {
		if (!out.has(piece)) out.set(piece, new Map());
		out.get(piece)?.set(name, size);
	};
	for (const o of sizes.objects) {
		const long = o.content.filter((t) => SHORT_LIVED[t.table] === undefined);
		const short = new Map<number, { table: number; index: number }>();
		for (const t of o.content) {
			const ttl = SHORT_LIVED[t.table];
			if (ttl === undefined) continue;
			const was = short.get(ttl) ?? { table: 0, index: 0 };
			short.set(ttl, { table: was.table + t.tableBytes, index: was.index + t.indexBytes });
		}
		const table = sum(long.map((t) => t.tableBytes));
		const index = sum(long.map((t) => t.indexBytes));
		put(o.className, o.name, { pages: o.databaseSize, table, index, short });
	}
	for (const d of sizes.databases) {
		put(`D1 ${d.binding}`, d.binding, { pages: d.bytes, table: 0, index: 0, short: new Map() });
	}
	return out;
}

/** A part's growth per message over a piece's objects (an object new in the round grew from `empty`). */
function growth(
	before: Map<string, PieceSize> | undefined,
	after: Map<string, PieceSize> | undefined,
	empty: PieceSize,
	messages: number,
): PartBytes & { short: Map<number, number> } {
	const all = [...(after ?? [])].map(([name, size]) => {
		const was = before?.get(name) ?? empty;
		return { pages: size.pages - was.pages, table: size.table - was.table, index: size.index - was.index };
	});
	// Short-lived tables: their rows' bytes on disk per message, by how long they stay.
	const short = new Map<number, number>();
	for (const [name, size] of after ?? []) {
		const was = before?.get(name) ?? empty;
		for (const [ttl, bytes] of size.short) {
			const old = was.short.get(ttl) ?? { table: 0, index: 0 };
			const grown = bytes.table - old.table + (bytes.index - old.index) / INDEX_FILL;
			short.set(ttl, (short.get(ttl) ?? 0) + grown / messages);
		}
	}
	return {
		pages: sum(all.map((g) => g.pages)) / messages,
		table: sum(all.map((g) => g.table)) / messages,
		index: sum(all.map((g) => g.index)) / messages,
		short,
	};
}

/** A part's bytes as pages on disk, by the rows. */
const rowsOnDisk = (p: PartBytes) => Math.max(0, p.table + p.index / INDEX_FILL);

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
		const emptyPages = database ? 0 : (r.end.empty.find((e) => e.className === className)?.databaseSize ?? 0);
		const empty = { pages: emptyPages, table: 0, index: 0, short: new Map() };
		const accept = growth(start.get(className), middle.get(className), empty, r.messages);
		const callback = growth(middle.get(className), objects, empty, r.messages);
		const byDay = !database && [...objects.keys()].every((name) => namesDay(name, days));
		const messagesPerObject = (perDay * (byDay ? 1 : retentionDays)) / objects.size;
		// A database grows from its size before the round; an object from an empty one.
		const baseBytes = database
			? Math.max(0, ...[...(start.get(className)?.values() ?? [])].map((s) => s.pages))
			: emptyPages;
		const at = (perMessage: number) => baseBytes + Math.max(0, perMessage) * messagesPerObject;
		// Short-lived tables hold `ttl` of traffic at most, whatever the retention.
		const shortBytes = (parts: { short: Map<number, number> }[]) =>
			sum(
				parts.flatMap((p) =>
					[...p.short].map(
						([ttl, perMessage]) => (Math.max(0, perMessage) * perMinute * (ttl / 60_000)) / objects.size,
					),
				),
			);
		const hasShort = [accept, callback].some((p) => [...p.short.values()].some((b) => b > 0));
		const rows = at(rowsOnDisk(accept) + rowsOnDisk(callback)) + shortBytes([accept, callback]);
		const rowsAccept = at(rowsOnDisk(accept)) + shortBytes([accept]);
		return {
			className,
			objects: objects.size,
			accept,
			callback,
			byDay,
			messagesPerObject,
			baseBytes,
			// The file's pages count the short-lived rows as if kept the whole retention: charged by the rows then.
			largest: { pages: hasShort ? rows : at(accept.pages + callback.pages), rows },
			largestAccept: { pages: hasShort ? rowsAccept : at(accept.pages), rows: rowsAccept },
		};
	});
}

/** The larger of the two measures. */
export const charged = (size: { pages: number; rows: number }) => Math.max(size.pages, size.rows);
