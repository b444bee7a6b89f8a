/** Message references: `msg_` and 26 base32 characters (128 random bits), unguessable and URL-safe. */
const ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

export function newRef(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(17));
	let bits = 0;
	let value = 0;
	let out = "";
	for (const byte of bytes) {
		value = ((value << 8) | byte) & 0xfff; // at most 4 + 8 bits are pending
		bits += 8;
		while (bits >= 5 && out.length < 26) {
			out += ALPHABET[(value >>> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	return `msg_${out}`;
}

export const REF_PATTERN = /^msg_[a-z2-7]{26}$/;
