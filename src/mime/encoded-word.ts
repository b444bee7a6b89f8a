/**
 * RFC 2047 encoded-words for non-ASCII header text: `=?UTF-8?B?…?=` or
 * `=?UTF-8?Q?…?=`, whichever is shorter, each at most 75 characters and split
 * only between whole characters, so every word decodes on its own.
 */
import { base64 } from "./base64.ts";

/** Longest encoded-word (RFC 2047 §2). */
export const MAX_WORD = 75;
/** `=?UTF-8?Q?` + `?=`. */
const OVERHEAD = 12;

const encoder = new TextEncoder();

/**
 * Characters a Q word carries as they are: the set RFC 2047 §5 (3) allows even
 * inside a phrase, so one encoding serves display names and unstructured text.
 */
const Q_LITERAL = new Uint8Array(128);
for (const c of "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!*+-/") Q_LITERAL[c.charCodeAt(0)] = 1;
const HEX = "0123456789ABCDEF";

/**
 * Text a header cannot carry as it is: non-ASCII, control characters (but tab),
 * or something a decoder would take for an encoded-word.
 */
export function needsEncoding(text: string): boolean {
	// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what this looks for
	return /[^\x09\x20-\x7e]/.test(text) || text.includes("=?");
}

/**
 * Encodes `text` as encoded-words to be written separated by folding white
 * space. The first word is at most `firstMax` characters (what is left of the
 * current line), the others at most `restMax`. Spaces inside `text` are encoded
 * inside the words, since decoders drop white space between adjacent words.
 */
export function encodeWords(text: string, firstMax = MAX_WORD, restMax = MAX_WORD): string[] {
	const bytes = encoder.encode(text);
	let qLength = 0;
	for (const b of bytes) qLength += b < 128 && (Q_LITERAL[b] === 1 || b === 0x20) ? 1 : 3;
	const useQ = qLength <= Math.ceil(bytes.length / 3) * 4;
	return split(
		text,
		useQ ? "Q" : "B",
		Math.max(firstMax, OVERHEAD + 12),
		Math.min(Math.max(restMax, OVERHEAD + 12), MAX_WORD),
	);
}

/** Q encoding of one character's UTF-8 bytes. */
function qChar(char: string): string {
	const code = char.charCodeAt(0);
	if (code < 128) return Q_LITERAL[code] === 1 ? char : code === 0x20 ? "_" : `=${HEX[code >> 4]}${HEX[code & 15]}`;
	let out = "";
	for (const b of encoder.encode(char)) out += `=${HEX[b >> 4]}${HEX[b & 15]}`;
	return out;
}

function split(text: string, mode: "B" | "Q", firstMax: number, restMax: number): string[] {
	const prefix = `=?UTF-8?${mode}?`;
	const words: string[] = [];
	let max = Math.min(firstMax, MAX_WORD) - OVERHEAD;
	if (mode === "Q") {
		let current = "";
		for (const char of text) {
			const encoded = qChar(char);
			if (current && current.length + encoded.length > max) {
				words.push(`${prefix}${current}?=`);
				current = "";
				max = restMax - OVERHEAD;
			}
			current += encoded;
		}
		words.push(`${prefix}${current}?=`);
		return words;
	}
	// Base64 payloads of whole 3-byte groups: max characters -> max/4*3 bytes.
	let maxBytes = Math.floor(max / 4) * 3;
	let chunk: number[] = [];
	for (const char of text) {
		const utf8 = encoder.encode(char);
		if (chunk.length && chunk.length + utf8.length > maxBytes) {
			words.push(`${prefix}${base64(Uint8Array.from(chunk))}?=`);
			chunk = [];
			maxBytes = Math.floor((restMax - OVERHEAD) / 4) * 3;
		}
		chunk.push(...utf8);
	}
	words.push(`${prefix}${base64(Uint8Array.from(chunk))}?=`);
	return words;
}
