/**
 * The MessageDirectory Durable Object (binding DIRECTORY, one object): which
 * (owner, day, shard) places hold records, so a newest-first list asks only
 * shards that hold the owner's records, day by day, instead of every shard of
 * every day. A place is noted before its first record is written (so a record
 * is never where the directory does not look), once per isolate
 * (messages-client.ts caches it): a handful of calls a day, not one a message.
 */
import { DurableObject } from "cloudflare:workers";
import { DAY_MS, dayOf } from "./ref";
import { Sql } from "./sql";
import { retentionMs } from "./timing";

export interface DayPlaces {
	day: number;
	shards: number[];
}

export class MessageDirectory extends DurableObject<{ MESSAGE_RETENTION_DAYS?: string }> {
	readonly #sql: Sql;

	constructor(ctx: DurableObjectState, env: { MESSAGE_RETENTION_DAYS?: string }) {
		super(ctx, env);
		this.#sql = new Sql(ctx.storage.sql);
		ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS places (
			owner TEXT NOT NULL, day INTEGER NOT NULL, shard INTEGER NOT NULL, PRIMARY KEY (owner, day, shard))`);
	}

	async note(owner: string, day: number, shard: number): Promise<void> {
		const added = this.#sql.run(
			"INSERT INTO places (owner, day, shard) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
			owner,
			day,
			shard,
		);
		if (added && (await this.ctx.storage.getAlarm()) === null) {
			await this.ctx.storage.setAlarm(Date.now() + DAY_MS);
		}
	}

	/** The owner's days on or before `fromDay`, newest first, at most `days` of them, each with its shards. */
	placesOf(owner: string, fromDay: number, days: number): DayPlaces[] {
		const rows = this.#sql.all<{ day: number; shard: number }>(
			`SELECT day, shard FROM places WHERE owner = ? AND day IN
			 (SELECT DISTINCT day FROM places WHERE owner = ? AND day <= ? ORDER BY day DESC LIMIT ?)
			 ORDER BY day DESC, shard`,
			owner,
			owner,
			fromDay,
			days,
		);
		return groupByDay(rows);
	}

	/** The owner's days on or after `fromDay`, oldest first, at most `days` of them, each with its shards. */
	placesFrom(owner: string, fromDay: number, days: number): DayPlaces[] {
		const rows = this.#sql.all<{ day: number; shard: number }>(
			`SELECT day, shard FROM places WHERE owner = ? AND day IN
			 (SELECT DISTINCT day FROM places WHERE owner = ? AND day >= ? ORDER BY day ASC LIMIT ?)
			 ORDER BY day ASC, shard`,
			owner,
			owner,
			fromDay,
			days,
		);
		return groupByDay(rows);
	}

	/** Days past retention leave (a day late: a shard keeps its day until the end of it plus retention). */
	override async alarm(): Promise<void> {
		this.#sql.run(
			"DELETE FROM places WHERE day < ?",
			dayOf(Date.now() - retentionMs(this.env.MESSAGE_RETENTION_DAYS)) - 1,
		);
		if (this.#sql.one("SELECT 1 AS x FROM places LIMIT 1")) await this.ctx.storage.setAlarm(Date.now() + DAY_MS);
	}
}

/** Rows in day order, one entry a day with its shards. */
function groupByDay(rows: { day: number; shard: number }[]): DayPlaces[] {
	const out: DayPlaces[] = [];
	for (const { day, shard } of rows) {
		const last = out.at(-1);
		if (last?.day === day) last.shards.push(shard);
		else out.push({ day, shards: [shard] });
	}
	return out;
}
