/**
 * An RPC call → the Request the HTTP API would get for it: the message as the
 * JSON body (attachment bytes as base64, the only change), the options as the
 * headers, query and body fields the HTTP caller would send. The app then does
 * everything else exactly as for HTTP.
 */
import type { EdgeSendAttachment, EdgeSendMessage, SendOptions } from "./types";

/** Not used for routing; edgesend takes its default EHLO name from it (set EHLO_NAME). */
export const DOOR_ORIGIN = "https://edgesend";

function base64Of(bytes: Uint8Array): string {
	let binary = "";
	// Chunks: String.fromCharCode takes arguments, and attachments run to megabytes.
	for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
	return btoa(binary);
}

function contentAsText(content: EdgeSendAttachment["content"]): unknown {
	if (content instanceof ArrayBuffer) return base64Of(new Uint8Array(content));
	if (ArrayBuffer.isView(content)) {
		return base64Of(new Uint8Array(content.buffer, content.byteOffset, content.byteLength));
	}
	// Anything else goes on as given, and the API's validation names it.
	return content;
}

/** `options.sendAt` as the body's RFC 3339 text (an invalid Date stays text the API refuses by name). */
export function sendAtText(sendAt: SendOptions["sendAt"]): unknown {
	if (!(sendAt instanceof Date)) return sendAt;
	return Number.isNaN(sendAt.getTime()) ? String(sendAt) : sendAt.toISOString();
}

/** The JSON body of one message; `labelId` and `sendAt` from the options when the message has none. */
export function messageBody(message: EdgeSendMessage, options: SendOptions = {}): unknown {
	if (typeof message !== "object" || message === null) return message;
	const body: Record<string, unknown> = { ...message };
	if (Array.isArray(message.attachments)) {
		body.attachments = message.attachments.map((a) =>
			typeof a === "object" && a !== null && a.content !== undefined ? { ...a, content: contentAsText(a.content) } : a,
		);
	}
	if (options.labelId !== undefined) body.labelId ??= options.labelId;
	if (options.sendAt !== undefined) body.sendAt ??= sendAtText(options.sendAt);
	return body;
}

/** A POST of `body` to `path` as the HTTP API would receive it. */
export function apiRequest(path: string, body: unknown, options: SendOptions = {}): Request {
	const url = new URL(path, DOOR_ORIGIN);
	if (options.dryRun === true) url.searchParams.set("dryRun", "true");
	const headers = new Headers({ "Content-Type": "application/json" });
	if (options.idempotencyKey !== undefined) headers.set("Idempotency-Key", options.idempotencyKey);
	if (options.async === true) headers.set("Prefer", "respond-async");
	return new Request(url, { method: "POST", headers, body: JSON.stringify(body) });
}

/** The Request for the record `ref` (GET: look it up; DELETE: cancel it), as /v1/messages/{ref}. */
export function recordRequest(ref: string, method: "GET" | "DELETE"): Request {
	return new Request(new URL(`/v1/messages/${encodeURIComponent(ref)}`, DOOR_ORIGIN), { method });
}
