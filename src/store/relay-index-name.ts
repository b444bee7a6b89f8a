/**
 * Which RelayIndex and SuppressionList object a key lives in: a stable hash
 * (FNV-1a, 32 bits) of the key, modulo the number of objects. Changing a
 * count moves keys, so the counts are constants.
 */

/**
 * 64: a relay id takes about 174 bytes of its index object (bench/RESULTS.md §7) and stays 30 days, so at
 * 30,000 a minute each object holds 3.5–4.2 GB, well under the 10 GB an object may hold (32 left ~16 %).
 */
export const INDEX_SHARDS = 64;
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
