/**
 * Base64 (RFC 2045 §6.8) for MIME bodies: 76-character lines ending in CRLF,
 * encoded from bytes straight into bytes with a lookup table, so that a large
 * attachment is encoded a slice at a time and never becomes a JS string.
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const CODES = Uint8Array.from(ALPHABET, (c) => c.charCodeAt(0));
const PAD = 0x3d;
const CR = 0x0d;
const LF = 0x0a;

/** Input bytes per full line: 57 bytes make exactly 76 characters. */
export const LINE_BYTES = 57;

/** Length of `base64Lines` for `n` input bytes: CRLF between lines, none after the last. */
export function base64LinesLength(n: number): number {
	if (n === 0) return 0;
	const lines = Math.ceil(n / LINE_BYTES);
	return Math.ceil(n / 3) * 4 + (lines - 1) * 2;
}

/**
 * Encodes `bytes` as 76-column lines, each followed by CRLF except, when `last`
 * is set, the final one. Unless `last`, `bytes.length` must be a multiple of 57
 * so that slices encoded one after the other join into whole lines.
 */
export function base64Lines(bytes: Uint8Array, last: boolean): Uint8Array {
	const n = bytes.length;
	const full = Math.floor(n / LINE_BYTES);
	const rest = n - full * LINE_BYTES;
	const out = new Uint8Array(Math.ceil(n / 3) * 4 + (last ? Math.max(Math.ceil(n / LINE_BYTES) - 1, 0) : full) * 2);
	let o = 0;
	let i = 0;
	for (let line = 0; line < full; line++) {
		const end = i + LINE_BYTES;
		for (; i < end; i += 3) {
			const triple = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
			out[o] = CODES[triple >>> 18];
			out[o + 1] = CODES[(triple >>> 12) & 63];
			out[o + 2] = CODES[(triple >>> 6) & 63];
			out[o + 3] = CODES[triple & 63];
			o += 4;
		}
		if (!last || line < full - 1 || rest > 0) {
			out[o++] = CR;
			out[o++] = LF;
		}
	}
	if (rest > 0) o = encodeTail(bytes, i, n, out, o);
	return out;
}

/** Plain base64 of a few bytes, as a string (for encoded-words). */
export function base64(bytes: Uint8Array): string {
	return btoa(String.fromCharCode(...bytes));
}

/** Encodes bytes[i..n) (at most one partial line) at out[o]; returns the new end. */
function encodeTail(bytes: Uint8Array, i: number, n: number, out: Uint8Array, o: number): number {
	for (; i + 3 <= n; i += 3) {
		const triple = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
		out[o++] = CODES[triple >>> 18];
		out[o++] = CODES[(triple >>> 12) & 63];
		out[o++] = CODES[(triple >>> 6) & 63];
		out[o++] = CODES[triple & 63];
	}
	if (i < n) {
		const two = i + 1 < n;
		const triple = (bytes[i] << 16) | (two ? bytes[i + 1] << 8 : 0);
		out[o++] = CODES[triple >>> 18];
		out[o++] = CODES[(triple >>> 12) & 63];
		out[o++] = two ? CODES[(triple >>> 6) & 63] : PAD;
		out[o++] = PAD;
	}
	return o;
}
