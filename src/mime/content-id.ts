/**
 * Content-IDs (RFC 2045 §7) and the `cid:` URLs that point at them (RFC
 * 2392): what a caller may choose as an id, and how an id is written in a URL.
 */

// dot-atom-text (RFC 5322 §3.2.3): atext runs joined by single dots.
const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const DOT_ATOM = `${ATEXT}(?:\\.${ATEXT})*`;
/**
 * A msg-id body (RFC 5322 §3.6.4) `left@right`, each side a dot-atom; a bare
 * `left` (`logo`) too, which every client resolves and many senders use.
 */
const CONTENT_ID = new RegExp(`^${DOT_ATOM}(?:@${DOT_ATOM})?$`);

/** Whether `id` (without angle brackets) can be a Content-ID: no `"(),:;<>[\]`, spaces or non-ASCII. */
export function isContentId(id: string): boolean {
	return id.length <= 255 && CONTENT_ID.test(id);
}

/** What a URL carries as it is; everything else is %-encoded (RFC 2392: "hex-encoded"). */
const URL_SAFE = /^[A-Za-z0-9._~@-]$/;
const HEX = "0123456789ABCDEF";
const encoder = new TextEncoder();

/** `cid:` + the id, %-encoded (RFC 2392 §2), so any id survives HTML attributes and URL parsers. */
export function cidUrl(id: string): string {
	let out = "cid:";
	for (const char of id) {
		if (URL_SAFE.test(char)) out += char;
		else for (const b of encoder.encode(char)) out += `%${HEX[b >> 4]}${HEX[b & 15]}`;
	}
	return out;
}
