/**
 * Which RelayIndex and SuppressionList object a key lives in: a stable hash
 * (FNV-1a, 32 bits) of the key, modulo the number of objects. Changing a
 * count moves keys, so the counts are constants.
 */

export const INDEX_SHARDS = 32;
export const SUPPRESSION_SHARDS = 16;

export function fnv1a(text: string): number {
	let hash = 0x811c9dc5;
	for (const byte of new TextEncoder().encode(text)) {
		hash ^= byte;
		hash = Math.imul(hash, 0x01000193) >>> 0;
	}
	return hash;
}

/** The RelayIndex object for a relay id (or a callback signature: the same spread). */
export const indexName = (key: string): string => `r:${fnv1a(key) % INDEX_SHARDS}`;

/** The SuppressionList object for an api_user's address (lowercased). */
export const suppressionName = (apiUser: string, email: string): string =>
	`s:${apiUser}:${fnv1a(email.toLowerCase()) % SUPPRESSION_SHARDS}`;
