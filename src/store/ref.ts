/**
 * Message references, and where each record lives. A ref is `msg_` and 26
 * base32 characters: 4 for the UTC day the record was created (days since
 * 1970), 1 for its shard among that day's MessageShard objects, 21 random (105
 * bits; or drawn from a seed, so that an idempotent retry names the same
 * messages). The ref alone names the object that holds the record: no lookup.
 */

const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

/** Objects a day's records are spread over (at most 32: one base32 character). */
export const SHARDS_PER_DAY = 32;
export const DAY_MS = 86_400_000;

export const REF_PATTERN = /^msg_[a-z2-7]{26}$/;

export interface RefPlace {
	/** UTC day of creation, days since 1970-01-01. */
	day: number;
	shard: number;
}

export const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);

function base32(value: number, width: number): string {
	let out = "";
	for (let i = width - 1; i >= 0; i--) out += ALPHABET[Math.floor(value / 32 ** i) % 32];
	return out;
}

function fromBase32(text: string): number {
	let value = 0;
	for (const c of text) value = value * 32 + ALPHABET.indexOf(c);
	return value;
}

/** 21 base32 characters from the first 14 bytes of `bytes` (the last 7 bits unused). */
function randomPart(bytes: Uint8Array): string {
	let bits = 0;
	let value = 0;
	let out = "";
	for (const byte of bytes) {
		value = ((value << 8) | byte) & 0xfff;
		bits += 8;
		while (bits >= 5 && out.length < 21) {
			out += ALPHABET[(value >>> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	return out;
}

/**
 * A new ref for a record created at `createdAt`. Random unless `seed` is
 * given (≥ 15 bytes, e.g. a SHA-256): then the shard and the random part come
 * from it, so the same seed and day give the same ref.
 */
export function newRef(createdAt: number, seed?: Uint8Array): string {
	const bytes = seed ?? crypto.getRandomValues(new Uint8Array(15));
	if (bytes.length < 15) throw new RangeError("newRef: a seed needs at least 15 bytes");
	const shard = (bytes[0] as number) % SHARDS_PER_DAY;
	return `msg_${base32(dayOf(createdAt), 4)}${ALPHABET[shard]}${randomPart(bytes.subarray(1))}`;
}

/** Where `ref` lives, or undefined for something that is not a ref. */
export function placeOf(ref: string): RefPlace | undefined {
	if (!REF_PATTERN.test(ref)) return undefined;
	return { day: fromBase32(ref.slice(4, 8)), shard: fromBase32(ref.slice(8, 9)) };
}

/** The MessageShard object's name for a place. */
export const shardName = (place: RefPlace): string => `m:${place.day}:${place.shard}`;
