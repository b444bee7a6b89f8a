/**
 * Verifies EngageLab's event callbacks: headers `X-WebHook-Timestamp`,
 * `X-WebHook-AppKey` (documented as the fixed value "email") and
 * `X-WebHook-Signature` (lower-case hex).
 *
 * EngageLab's two pages disagree on the scheme, so both are accepted (each
 * needs the key): the callback reference says hex HMAC-SHA256 of the
 * timestamp keyed with the app key; "Learn about WebHook" says
 * md5(timestamp + appKeyHeader + key). Neither covers the body, so we add a
 * timestamp window here and bind each signature to its first body (callback-events.ts).
 * Pure: no I/O, no HTTP; the route maps the outcome to a problem.
 */

/** How far the callback's timestamp may be from our clock, either way. */
export const CALLBACK_TOLERANCE_MS = 5 * 60 * 1000;

export type SignatureCheck =
	| { ok: true; signature: string; timestampMs: number }
	| { ok: false; reason: "unsigned" | "bad_signature" | "stale" };

const encoder = new TextEncoder();

/** The bytes of lower- or upper-case hex, or undefined. */
function fromHex(text: string): Uint8Array | undefined {
	if (!/^(?:[0-9a-fA-F]{2})+$/.test(text)) return undefined;
	const bytes = new Uint8Array(text.length / 2);
	for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(text.slice(i * 2, i * 2 + 2), 16);
	return bytes;
}

/** Constant-time equality of two byte strings of the same length. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	let diff = 0;
	for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
	return diff === 0;
}

/** The provider's timestamp as milliseconds: seconds and milliseconds are both seen (undocumented). */
export function timestampMs(text: string): number | undefined {
	if (!/^\d{9,14}$/.test(text)) return undefined;
	const n = Number(text);
	return n > 1e12 ? n : n * 1000;
}

/** HMAC-SHA256(key, timestamp) as the callback reference describes it. */
export async function hmacSignature(key: string, timestamp: string): Promise<Uint8Array> {
	const k = await crypto.subtle.importKey("raw", encoder.encode(key), { name: "HMAC", hash: "SHA-256" }, false, [
		"sign",
	]);
	return new Uint8Array(await crypto.subtle.sign("HMAC", k, encoder.encode(timestamp)));
}

/** md5(timestamp + appKey + key) as the overview page describes it (workerd's digest offers MD5). */
async function md5Signature(key: string, timestamp: string, appKey: string): Promise<Uint8Array> {
	return new Uint8Array(await crypto.subtle.digest("MD5", encoder.encode(`${timestamp}${appKey}${key}`)));
}

/** Checks the three headers against `key`. */
export async function checkCallbackSignature(headers: Headers, key: string, nowMs: number): Promise<SignatureCheck> {
	const timestamp = headers.get("x-webhook-timestamp")?.trim() ?? "";
	const signature = headers.get("x-webhook-signature")?.trim() ?? "";
	const appKey = headers.get("x-webhook-appkey")?.trim() ?? "";
	if (!timestamp || !signature) return { ok: false, reason: "unsigned" };
	const at = timestampMs(timestamp);
	const given = fromHex(signature);
	if (at === undefined || !given) return { ok: false, reason: "bad_signature" };
	const candidates = [await hmacSignature(key, timestamp), await md5Signature(key, timestamp, appKey)];
	// Evaluate both, so the time taken does not say which scheme came close.
	const matches = candidates.map((expected) => sameBytes(given, expected));
	if (!matches.some(Boolean)) return { ok: false, reason: "bad_signature" };
	if (Math.abs(nowMs - at) > CALLBACK_TOLERANCE_MS) return { ok: false, reason: "stale" };
	return { ok: true, signature: signature.toLowerCase(), timestampMs: at };
}
