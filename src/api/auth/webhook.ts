/**
 * Standard Webhooks callers: `webhook-id`, `webhook-timestamp` and
 * `webhook-signature` (`v1,<base64 HMAC-SHA256 of id.timestamp.body>`, any of
 * a space-separated list may match), keyed with the bytes of `whsec_…`.
 * The headers are checked before the body is read; the signature, over the
 * exact raw bytes, once the body limit has bounded them.
 */

import { ProblemError } from "../../send/problem";
import { concatBytes, decodeBase64 } from "../../util/bytes";

/** How far the timestamp may be from our clock, either way. */
export const TOLERANCE_SECONDS = 5 * 60;

export interface WebhookHeaders {
	webhookId: string;
	timestamp: string;
	signature: string;
}

/** Reads the three headers and checks the timestamp; throws a 401 naming what is wrong. */
export function webhookHeaders(headers: Headers, nowMs: number): WebhookHeaders {
	const webhookId = headers.get("webhook-id") ?? "";
	const timestamp = headers.get("webhook-timestamp") ?? "";
	const signature = headers.get("webhook-signature") ?? "";
	if (!/^[\x21-\x7e]{1,255}$/.test(webhookId)) {
		throw new ProblemError("unauthorized", "webhook-id is missing or not 1 to 255 visible characters");
	}
	if (!/^\d{1,12}$/.test(timestamp)) throw new ProblemError("unauthorized", "webhook-timestamp must be Unix seconds");
	if (Math.abs(nowMs / 1000 - Number(timestamp)) > TOLERANCE_SECONDS) {
		throw new ProblemError(
			"unauthorized",
			"webhook-timestamp is more than 5 minutes from now: signature refused as stale",
		);
	}
	if (!signature) throw new ProblemError("unauthorized", "webhook-signature is missing");
	return { webhookId, timestamp, signature };
}

/** Whether any `v1,` signature in the header signs `id.timestamp.body` with `secret`. */
export async function verifyWebhook(secret: Uint8Array, h: WebhookHeaders, body: Uint8Array): Promise<boolean> {
	const key = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["verify"]);
	const signed = concatBytes([new TextEncoder().encode(`${h.webhookId}.${h.timestamp}.`), body]);
	let valid = false;
	for (const entry of h.signature.split(" ")) {
		const [version, value] = entry.split(",", 2);
		const mac = version === "v1" && value ? decodeBase64(value) : undefined;
		// crypto.subtle.verify compares in constant time.
		if (mac && (await crypto.subtle.verify("HMAC", key, mac, signed))) valid = true;
	}
	return valid;
}
