/**
 * What happens once a record's outcome (and relay id) is written: provider
 * events that came first are attached (record-link.ts), and the record's own
 * status change (`message.sent`, `message.failed`) and the attached events go
 * out as webhooks, when EVENTS_WEBHOOK_URL is set and the queue is bound.
 */
import { getRecord } from "../records/store";
import { attachPendingEvents } from "./record-link";
import { eventRules } from "./status-rules";
import { publish, type WebhookQueue } from "./webhook-job";

/** Statuses of our own that are sent out. */
const OWN_EVENTS: Record<string, string> = { sent: "message.sent", failed: "message.failed" };

export async function recordWritten(
	db: D1Database,
	queue: WebhookQueue | undefined,
	webhooksOn: boolean,
	ref: string,
	nowMs: number,
): Promise<void> {
	const attached = await attachPendingEvents(db, ref);
	if (!webhooksOn || !queue) return;
	const record = await getRecord(db, ref);
	if (!record) return;
	const data = (to: string | null, detail: string | null) => ({
		ref,
		messageId: record.messageId,
		relayId: record.relayId ?? "",
		to,
		detail,
	});
	const own = OWN_EVENTS[record.status];
	if (own) {
		const detail = record.status === "failed" ? JSON.stringify(record.lastError ?? null) : null;
		await publish(
			db,
			queue,
			{
				id: `evt_${ref}_${record.status}`,
				ref,
				relayId: record.relayId ?? ref,
				event: {
					type: own,
					timestamp: new Date(record.sentAt ?? nowMs).toISOString(),
					data: data(record.to.join(", "), detail),
				},
			},
			nowMs,
		);
	}
	for (const e of attached) {
		const type = eventRules[e.type].webhook;
		if (!type) continue;
		await publish(
			db,
			queue,
			{
				id: e.id,
				ref,
				relayId: e.relayId,
				event: { type, timestamp: new Date(e.at).toISOString(), data: data(e.recipient ?? null, e.detail ?? null) },
			},
			nowMs,
		);
	}
}
