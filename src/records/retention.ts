/**
 * The retention job (Cron Trigger): records older than MESSAGE_RETENTION_DAYS
 * go, with their events and any spooled bytes, a page at a time; then the
 * provider events and settled webhook deliveries as old (events/retention.ts).
 */
import { readConfig } from "../config";
import type { Bindings } from "../env";
import { purgeOldEvents } from "../events/retention";
import { placeholders } from "../util/sql";

const PAGE = 500;
const DAY_MS = 86_400_000;

/** Deletes what is older than the retention; returns how many records went. */
export async function purgeOldRecords(db: D1Database, spool: R2Bucket | undefined, cutoff: number): Promise<number> {
	let deleted = 0;
	for (;;) {
		const { results } = await db
			.prepare("SELECT ref, spool_key FROM messages WHERE created_at < ? LIMIT ?")
			.bind(cutoff, PAGE)
			.all<{ ref: string; spool_key: string | null }>();
		if (!results.length) return deleted;
		const keys = results.flatMap((r) => (r.spool_key ? [r.spool_key] : []));
		if (spool && keys.length) await spool.delete(keys);
		const refs = results.map((r) => r.ref);
		const marks = placeholders(refs);
		await db.batch([
			db.prepare(`DELETE FROM message_events WHERE ref IN (${marks})`).bind(...refs),
			db.prepare(`DELETE FROM message_relay_ids WHERE ref IN (${marks})`).bind(...refs),
			db.prepare(`DELETE FROM messages WHERE ref IN (${marks})`).bind(...refs),
		]);
		deleted += refs.length;
		if (results.length < PAGE) return deleted;
	}
}

export async function runRetention(env: Bindings, scheduledTime: number): Promise<number> {
	const read = readConfig(env, "localhost");
	if (!env.DB || !read.ok) return 0;
	const cutoff = scheduledTime - read.config.records.retentionDays * DAY_MS;
	const deleted = await purgeOldRecords(env.DB, env.SPOOL, cutoff);
	const events = await purgeOldEvents(env.DB, cutoff);
	console.log(JSON.stringify({ level: "info", msg: "retention", deleted, events }));
	return deleted;
}
