/**
 * A parsed message as a reader sees it, without what is fresh for every
 * message (Date, Message-ID, the MIME boundaries in Content-Type): two sends
 * of one request, or a dry run and a send, compare equal through it.
 */
import type { Email } from "postal-mime";

const FRESH = new Set(["date", "message-id", "content-type"]);

export function comparable(email: Email) {
	return {
		...email,
		date: undefined,
		messageId: undefined,
		headers: email.headers.filter((h) => !FRESH.has(h.key)),
		headerLines: email.headerLines.filter((h) => !FRESH.has(h.key)),
		attachments: email.attachments.map((a) => ({ ...a, content: new Uint8Array(a.content as ArrayBuffer) })),
	};
}
