/**
 * One delivery attempt of an outbound event to EVENTS_WEBHOOK_URL: signed
 * afresh (a new webhook-timestamp) under the event's stable webhook-id.
 * A 2xx answer is delivered; anything else, or no answer, is a failed attempt.
 */
import { resendEventOf, withSvixHeaders } from "./resend-webhook";
import { edgesendBody, type OutboundEvent, signEvent } from "./standard-webhooks";

/** EVENTS_WEBHOOK_FORMAT: which body and headers go out. */
export type WebhookFormat = "edgesend" | "resend";

export interface Attempt {
	at: number;
	ok: boolean;
	/** The receiver's HTTP status, or 0 when there was no answer. */
	status: number;
	error?: string;
	/** Resend's format has no such event (message.canceled…) or no email for it: nothing was posted. */
	skipped?: true;
}

/** How long a receiver may take before the attempt counts as failed. */
export const ATTEMPT_TIMEOUT_MS = 10_000;

export async function deliverEvent(
	url: string,
	secret: Uint8Array,
	webhookId: string,
	event: OutboundEvent,
	nowMs: number,
	format: WebhookFormat = "edgesend",
): Promise<Attempt> {
	const body = format === "resend" ? resendEventOf(event, event.email) : edgesendBody(event);
	if (!body) return { at: nowMs, ok: true, status: 0, skipped: true };
	const signed = await signEvent(secret, webhookId, body, nowMs);
	if (format === "resend") signed.headers = withSvixHeaders(signed.headers);
	try {
		const response = await fetch(url, {
			method: "POST",
			headers: signed.headers,
			body: signed.body,
			signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
		});
		await response.body?.cancel();
		return { at: nowMs, ok: response.ok, status: response.status };
	} catch (error) {
		return { at: nowMs, ok: false, status: 0, error: error instanceof Error ? error.name : "fetch failed" };
	}
}
