/**
 * The events' share of the retention job (records/retention.ts calls it):
 * provider events and finished webhook deliveries older than the records'
 * retention go too, since both hold recipient addresses. A delivery still
 * pending or in flight stays until its own 24-hour window ends it.
 */

/** Deletes provider events received, and settled webhook deliveries created, before `cutoff`; answers how many. */
export async function purgeOldEvents(db: D1Database, cutoff: number): Promise<number> {
	const [events, deliveries] = await db.batch([
		db.prepare("DELETE FROM provider_events WHERE received_at < ?").bind(cutoff),
		db
			.prepare("DELETE FROM webhook_deliveries WHERE created_at < ? AND status IN ('delivered', 'failed')")
			.bind(cutoff),
	]);
	return (events?.meta.changes ?? 0) + (deliveries?.meta.changes ?? 0);
}
