/**
 * Hands a new provider event to the outbound webhooks when
 * EVENTS_WEBHOOK_URL and EVENTS_WEBHOOK_SECRET are set: stored as a delivery
 * (events/webhook-deliveries.ts, in order per message) and queued as a
 * `webhook` job on SEND_QUEUE (retried by the consumer); without a queue,
 * attempted once in the background.
 */
import type { Context } from "hono";
import type { ProviderEvent } from "../events/engagelab-payload";
import { eventRules } from "../events/status-rules";
import { addDelivery, attemptDelivery } from "../events/webhook-deliveries";
import { publish } from "../events/webhook-job";
import { background } from "./background";
import type { AppEnv } from "./types";

export interface RecordRef {
	ref: string;
	messageId: string;
}

export async function publishProviderEvent(
	c: Context<AppEnv>,
	db: D1Database,
	event: ProviderEvent,
	record?: RecordRef,
): Promise<void> {
	const { webhookUrl, webhookSecret } = c.get("config").events;
	const type = eventRules[event.type].webhook;
	if (!webhookUrl || !webhookSecret || !type) return;
	const outbound = {
		type,
		timestamp: new Date(event.at).toISOString(),
		data: {
			ref: record?.ref ?? null,
			messageId: record?.messageId ?? null,
			relayId: event.relayId,
			to: event.recipient ?? null,
			detail: event.detail ?? null,
		},
	};
	const now = Date.now();
	const queue = c.env.SEND_QUEUE;
	if (queue) {
		await publish(db, queue, { id: event.id, ref: record?.ref ?? null, relayId: event.relayId, event: outbound }, now);
		return;
	}
	const stream = record?.ref ?? event.relayId;
	if (!(await addDelivery(db, { id: event.id, stream, ref: record?.ref ?? null, event: outbound }, now))) return;
	background(
		c,
		attemptDelivery(db, { url: webhookUrl, secret: webhookSecret }, event.id, now).then((next) => {
			if (next.attempt && !next.attempt.ok) {
				console.warn(
					JSON.stringify({
						level: "warn",
						msg: "event webhook not delivered",
						webhookId: event.id,
						status: next.attempt.status,
					}),
				);
			}
		}),
	);
}
