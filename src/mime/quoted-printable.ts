/**
 * Text bodies (RFC 2045 §6.7): 7bit when the text is already short plain
 * ASCII lines, quoted-printable otherwise. Every CR, LF or CRLF becomes CRLF.
 * Both encoders work from UTF-8 bytes into bytes with lookup tables: one pass
 * measures, one pass writes into an array of the exact size.
 */

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const TAB = 0x09;
const EQUALS = 0x3d;
const DOT = 0x2e;
const HEX = Uint8Array.from("0123456789ABCDEF", (c) => c.charCodeAt(0));

/** Longest encoded line, the soft-break `=` included (rule 5). */
const MAX_LINE = 76;

/** Bytes a quoted-printable line may carry as they are (rule 2): `!` to `~` except `=`. */
const LITERAL = new Uint8Array(256);
for (let b = 33; b <= 126; b++) LITERAL[b] = b === EQUALS ? 0 : 1;

export interface EncodedText {
	encoding: "7bit" | "quoted-printable";
	bytes: Uint8Array;
	/** The encoded text's last line ends in CRLF (7bit text always does). */
	endsWithLineBreak: boolean;
}

/** Picks the encoding for a text or HTML body and encodes it. */
export function encodeText(text: string): EncodedText {
	const utf8 = new TextEncoder().encode(text);
	if (isShortPlainAscii(utf8)) return { encoding: "7bit", bytes: withCrlf(utf8), endsWithLineBreak: true };
	return { encoding: "quoted-printable", bytes: quotedPrintable(utf8), endsWithLineBreak: false };
}

/**
 * Quoted-printable with CRLF hard line breaks. The output always ends in a soft
 * line break (`=`), which the CRLF before the next boundary (or the message's
 * final CRLF) completes: the decoded text then ends exactly where the input did,
 * even in parsers that count that CRLF as part of the body.
 */
export function quotedPrintable(bytes: Uint8Array): Uint8Array {
	const out = new Uint8Array(encodeQp(bytes, undefined));
	encodeQp(bytes, out);
	return out;
}

/** Writes the encoding into `out` when given; returns its length either way. */
function encodeQp(bytes: Uint8Array, out: Uint8Array | undefined): number {
	const n = bytes.length;
	let o = 0;
	let column = 0;
	for (let i = 0; i < n; i++) {
		const b = bytes[i];
		if (b === CR || b === LF) {
			if (b === CR && bytes[i + 1] === LF) i++;
			if (out) {
				out[o] = CR;
				out[o + 1] = LF;
			}
			o += 2;
			column = 0;
			continue;
		}
		// Space and tab stay literal unless a hard line break follows (rule 3);
		// at the very end the closing soft break follows them.
		const next = bytes[i + 1];
		let literal = LITERAL[b] === 1 || ((b === SP || b === TAB) && next !== CR && next !== LF);
		let width = literal ? 1 : 3;
		if (column + width > MAX_LINE - 1) {
			if (out) {
				out[o] = EQUALS;
				out[o + 1] = CR;
				out[o + 2] = LF;
			}
			o += 3;
			column = 0;
		}
		// A line starting with "." goes as "=2E": no line of the message can then
		// look like SMTP's end of data, whatever carries it.
		if (b === DOT && column === 0) {
			literal = false;
			width = 3;
		}
		if (out) {
			if (literal) out[o] = b;
			else {
				out[o] = EQUALS;
				out[o + 1] = HEX[b >>> 4];
				out[o + 2] = HEX[b & 15];
			}
		}
		o += width;
		column += width;
	}
	if (out) out[o] = EQUALS;
	return o + 1;
}

/**
 * Text that may go as 7bit: printable ASCII and tabs, lines of at most 76
 * octets with no trailing space and no leading dot, ending in a line break (so
 * the CRLF that ends the message or precedes a boundary adds nothing to it).
 */
export function isShortPlainAscii(bytes: Uint8Array): boolean {
	const n = bytes.length;
	if (n === 0 || (bytes[n - 1] !== LF && bytes[n - 1] !== CR)) return false;
	let column = 0;
	let previous = 0;
	for (let i = 0; i < n; i++) {
		const b = bytes[i];
		if (b === CR || b === LF) {
			if (previous === SP || previous === TAB) return false;
			column = 0;
		} else if ((b < SP && b !== TAB) || b > 126 || (b === DOT && column === 0) || ++column > MAX_LINE) {
			return false;
		}
		previous = b;
	}
	return true;
}

/** The same bytes with every CR, LF and CRLF as CRLF (no copy when already so). */
export function withCrlf(bytes: Uint8Array): Uint8Array {
	const n = bytes.length;
	let extra = 0;
	for (let i = 0; i < n; i++) {
		if (bytes[i] === CR) {
			if (bytes[i + 1] === LF) i++;
			else extra++;
		} else if (bytes[i] === LF) extra++;
	}
	if (extra === 0) return bytes;
	const out = new Uint8Array(n + extra);
	let o = 0;
	for (let i = 0; i < n; i++) {
		const b = bytes[i];
		if (b === CR || b === LF) {
			if (b === CR && bytes[i + 1] === LF) i++;
			out[o++] = CR;
			out[o++] = LF;
		} else out[o++] = b;
	}
	return out;
}
