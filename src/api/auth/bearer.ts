/**
 * Server-side callers: `Authorization: Bearer <API key>`. Every configured key
 * is compared, in constant time over SHA-256 digests, so neither a key's
 * length nor its first differing byte shows in the answer time.
 */
import { hex } from "../../util/bytes";

const encoder = new TextEncoder();

const digest = async (text: string) => new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));

/** A name for the key that does not reveal it: the first 16 hex digits of its SHA-256. */
export async function keyId(key: string): Promise<string> {
	return hex((await digest(key)).subarray(0, 8));
}

/** The token of a Bearer header, or undefined when the header has another scheme. */
export function bearerToken(authorization: string): string | undefined {
	const match = /^Bearer[ \t]+([^\s]+)[ \t]*$/i.exec(authorization);
	return match?.[1];
}

/** Whether `token` is one of `keys`; looks at all of them whatever the outcome. */
export async function matchesApiKey(token: string, keys: readonly string[]): Promise<boolean> {
	const given = await digest(token);
	let found = false;
	for (const key of keys) {
		const same = crypto.subtle.timingSafeEqual(given, await digest(key));
		found = found || same;
	}
	return found;
}
