/**
 * Browser callers: a key from PUBLIC_KEYS in the `key` query parameter (a
 * CORS preflight carries no headers of ours, only the URL). Anyone can copy a
 * published key and call with curl and any Origin, so the origin check only
 * keeps honest browsers honest; what bounds the key is the send path's
 * (send/public-message.ts: only to its recipients, only from its senders,
 * only with its label, no custom headers, no `url` attachments, and limits
 * per client IP, IPv6 per /64, and per key).
 */
import type { PublicKey } from "../../config";

export const findPublicKey = (keys: readonly PublicKey[], key: string | undefined): PublicKey | undefined =>
	key ? keys.find((k) => k.key === key) : undefined;

export const originAllowed = (key: PublicKey, origin: string | undefined): origin is string =>
	origin !== undefined && key.origins.includes(origin);
