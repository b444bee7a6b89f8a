/**
 * EngageLab's callback bodies → our provider events. Pure.
 *
 * Two shapes (docs: engagelab.com/docs/email/webhook/webhook):
 * - status callbacks: `{message_id, itime, status: {message_status, status_data: {email_id, api_user, …}}}`
 *   with message_status `target` (request accepted), `sent`, `delivered`,
 *   `soft_bounce`, `invalid_email` (the page names "invalid email"; `invalid` is taken too);
 * - user-response callbacks: `{message_id, itime, response: {event, response_data: {email_id, …}}}`
 *   with event `open`, `click`, `unsubscribe`, `report_spam` (and `route`, inbound mail: ignored).
 * `message_id` is the relay id of `250 #<id>#Queued`; `email_id` is that id, an
 * index and `$recipient`. A body may also be a list of such objects.
 */

/** Our names for what the provider tells us. */
export const providerEventTypes = [
	"accepted",
	"provider_sent",
	"delivered",
	"soft_bounced",
	"bounced",
	"opened",
	"clicked",
	"unsubscribed",
	"complained",
] as const;
export type ProviderEventType = (typeof providerEventTypes)[number];

export interface ProviderEvent {
	/** Stable for the same event: a redelivered callback has the same id. */
	id: string;
	relayId: string;
	recipient?: string;
	type: ProviderEventType;
	/** Milliseconds since the epoch (the callback's `itime`). */
	at: number;
	/** The provider's own words (status message, sub-status, clicked URL…). */
	detail?: string;
	/** api_user without a label suffix. */
	apiUser?: string;
}

const statusTypes: Record<string, ProviderEventType> = {
	target: "accepted",
	sent: "provider_sent",
	delivered: "delivered",
	soft_bounce: "soft_bounced",
	invalid_email: "bounced",
	invalid: "bounced",
};
const responseTypes: Record<string, ProviderEventType> = {
	open: "opened",
	click: "clicked",
	unsubscribe: "unsubscribed",
	report_spam: "complained",
};

export type ParsedCallback = { ok: true; events: ProviderEvent[]; ignored: number } | { ok: false; error: string };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined =>
	typeof v === "string" && v.trim() ? v.trim() : typeof v === "number" ? String(v) : undefined;

/** The recipient from `…$rcpt@example.com`, else from a `to` field or the first of `tos`. */
function recipientOf(data: Json, top: Json): string | undefined {
	const emailId = str(data.email_id) ?? (Array.isArray(data.email_ids) ? str(data.email_ids[0]) : undefined);
	const fromId = emailId?.includes("$") ? emailId.slice(emailId.lastIndexOf("$") + 1) : undefined;
	const tos = Array.isArray(data.tos) ? str(data.tos[0]) : undefined;
	return (fromId ?? str(data.to) ?? str(top.to) ?? tos)?.toLowerCase();
}

/** The provider's words about the event, kept short. */
function detailOf(data: Json): string | undefined {
	const parts = [data.sub_stat, data.sub_status, data.message, data.url, data.reason].map(str).filter(Boolean);
	return parts.length ? parts.join("; ").slice(0, 500) : undefined;
}

async function eventId(parts: readonly (string | number | undefined)[]): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(JSON.stringify(parts)));
	return `evt_${btoa(String.fromCharCode(...new Uint8Array(digest).slice(0, 18)))
		.replaceAll("+", "-")
		.replaceAll("/", "_")}`;
}

async function parseOne(item: unknown, receivedAt: number): Promise<ProviderEvent | "ignored" | string> {
	if (!isObject(item)) return "each callback must be a JSON object";
	let raw: string | undefined;
	let data: Json = {};
	let type: ProviderEventType | undefined;
	if (isObject(item.status)) {
		raw = str(item.status.message_status);
		data = isObject(item.status.status_data) ? item.status.status_data : {};
		type = raw ? statusTypes[raw.toLowerCase()] : undefined;
	} else {
		const response = isObject(item.response) ? item.response : item;
		raw = str(response.event);
		data = isObject(response.response_data) ? response.response_data : {};
		type = raw ? responseTypes[raw.toLowerCase()] : undefined;
	}
	if (!raw) return "neither status.message_status nor response.event is present";
	if (!type) return "ignored";
	const relayId = str(item.message_id) ?? str(data.message_id);
	if (!relayId) return "message_id is missing";
	const itime = typeof item.itime === "number" ? item.itime : Number(str(item.itime));
	const at = Number.isFinite(itime) && itime > 0 ? (itime > 1e12 ? itime : itime * 1000) : receivedAt;
	const recipient = recipientOf(data, item);
	const detail = detailOf(data);
	const apiUser = str(data.api_user)?.split("#")[0];
	const id = await eventId([relayId, recipient, type, at, detail]);
	return {
		id,
		relayId,
		type,
		at,
		...(recipient ? { recipient } : {}),
		...(detail ? { detail } : {}),
		...(apiUser ? { apiUser } : {}),
	};
}

/** Parses a callback body (already JSON-decoded). Events the mapping does not know are counted, not kept. */
export async function parseCallback(body: unknown, receivedAt: number): Promise<ParsedCallback> {
	const items = Array.isArray(body) ? body : [body];
	if (!items.length) return { ok: false, error: "the callback holds no event" };
	const events: ProviderEvent[] = [];
	let ignored = 0;
	for (const [i, item] of items.entries()) {
		const parsed = await parseOne(item, receivedAt);
		if (parsed === "ignored") ignored++;
		else if (typeof parsed === "string") return { ok: false, error: items.length > 1 ? `[${i}]: ${parsed}` : parsed };
		else events.push(parsed);
	}
	return { ok: true, events, ignored };
}
