/**
 * Browser callers: a key from PUBLIC_KEYS in the `key` query parameter (a
 * CORS preflight carries no headers of ours, only the URL). It works only
 * from the key's origins, only to the key's recipients, and under a
 * per-client-IP limit, so a static site's contact form needs no secret.
 */
import type { PublicKey } from "../../config";
import type { FieldError } from "../field-path";
import { ApiProblem } from "../problem";

export const findPublicKey = (keys: readonly PublicKey[], key: string | undefined): PublicKey | undefined =>
	key ? keys.find((k) => k.key === key) : undefined;

export const originAllowed = (key: PublicKey, origin: string | undefined): origin is string =>
	origin !== undefined && key.origins.includes(origin);

/** Throws 403 naming each recipient the key may not send to. */
export function checkRecipients(key: PublicKey, recipients: readonly { path: string; email: string }[]): void {
	const refused: FieldError[] = recipients
		.filter((r) => !key.to.includes(r.email.toLowerCase()))
		.map((r) => ({ path: r.path, message: "is not a recipient this public key may send to" }));
	if (refused.length) {
		throw new ApiProblem("forbidden", `this public key may not send to ${refused.map((r) => r.path).join(", ")}`, {
			errors: refused,
		});
	}
}

/** The name of the limiter that counts one client IP's sends with one key. */
export const ipLimiterName = (key: PublicKey, clientIp: string) => `ip:${key.key}:${clientIp}`;
