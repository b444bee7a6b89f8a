/**
 * Sends a new provider event out as a Standard Webhooks event when
 * EVENTS_WEBHOOK_URL and EVENTS_WEBHOOK_SECRET are set. For now one attempt,
 * in the background, without the message record (ref and messageId are null
 * until records exist); retries through the queue come with the records.
 */
import type { Context } from "hono";
import type { ProviderEvent } from "../events/engagelab-payload";
import { deliverEvent } from "../events/outbound";
import { eventRules } from "../events/status-rules";
import { background } from "./background";
import type { AppEnv } from "./types";

export async function publishProviderEvent(c: Context<AppEnv>, event: ProviderEvent): Promise<void> {
	const { webhookUrl, webhookSecret } = c.get("config").events;
	const type = eventRules[event.type].webhook;
	if (!webhookUrl || !webhookSecret || !type) return;
	const outbound = {
		type,
		timestamp: new Date(event.at).toISOString(),
		data: {
			ref: null,
			messageId: null,
			relayId: event.relayId,
			to: event.recipient ?? null,
			detail: event.detail ?? null,
		},
	};
	background(
		c,
		deliverEvent(webhookUrl, webhookSecret, event.id, outbound, Date.now()).then((attempt) => {
			if (!attempt.ok) {
				console.warn(
					JSON.stringify({
						level: "warn",
						msg: "event webhook not delivered",
						webhookId: event.id,
						status: attempt.status,
					}),
				);
			}
		}),
	);
}
