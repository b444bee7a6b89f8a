/**
 * Text bodies (RFC 2045 §6.7): 7bit when the text is already short plain
 * ASCII lines, quoted-printable otherwise. Every CR, LF or CRLF becomes CRLF.
 * Both encoders work from UTF-8 bytes into bytes with lookup tables; the
 * quoted-printable one makes a single pass into a buffer sized for the worst
 * case (kept between calls for ordinary bodies), then copies out the exact
 * length.
 */

const CR = 0x0d;
const LF = 0x0a;
const SP = 0x20;
const TAB = 0x09;
const EQUALS = 0x3d;
const DOT = 0x2e;

/** Longest encoded line, the soft-break `=` included (rule 5). */
const MAX_LINE = 76;
/** Columns a line's content may fill: the soft-break `=` needs the last one. */
const CONTENT = MAX_LINE - 1;

/** What an input byte may become; one table look-up sorts the common cases first. */
const KEEP = 0; // `!` to `~` except `=` and `.` (rule 2)
const BLANK = 1; // space, tab: literal unless a hard line break follows (rule 3)
const BREAK = 2; // CR, LF
const POINT = 3; // `.`: literal except at the start of a line
const ESCAPE = 4;
const KIND = new Uint8Array(256).fill(ESCAPE);
for (let b = 33; b <= 126; b++) KIND[b] = KEEP;
KIND[EQUALS] = ESCAPE;
KIND[SP] = BLANK;
KIND[TAB] = BLANK;
KIND[CR] = BREAK;
KIND[LF] = BREAK;
KIND[DOT] = POINT;

/** The two hex digits of each byte's `=XX`, uppercase (rule 1). */
const HEX = "0123456789ABCDEF";
const HIGH = Uint8Array.from({ length: 256 }, (_, b) => HEX.charCodeAt(b >>> 4));
const LOW = Uint8Array.from({ length: 256 }, (_, b) => HEX.charCodeAt(b & 15));

const utf8Encoder = new TextEncoder();

/**
 * Largest worst-case buffer kept between calls (about 80 KB of text). A fresh
 * buffer three times the body's size for every body made the garbage
 * collector grow the heap; bodies larger than this get one of their own.
 */
const SCRATCH_LIMIT = 1 << 18;
let scratch = new Uint8Array(0);

export interface EncodedText {
	encoding: "7bit" | "quoted-printable";
	bytes: Uint8Array;
	/** The encoded text's last line ends in CRLF (7bit text always does). */
	endsWithLineBreak: boolean;
}

/** Picks the encoding for a text or HTML body and encodes it. */
export function encodeText(text: string): EncodedText {
	const utf8 = utf8Encoder.encode(text);
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
	const n = bytes.length;
	// At most 3 bytes per input byte, and a soft break (3 bytes) only after at
	// least 73 columns of content: sizing for that spares a measuring pass.
	const worst = 3 * n + 3 * Math.floor((3 * n) / (CONTENT - 2)) + 1;
	if (worst > scratch.length && worst <= SCRATCH_LIMIT) {
		scratch = new Uint8Array(Math.min(SCRATCH_LIMIT, Math.max(worst, 2 * scratch.length, 4096)));
	}
	// Safe to share: nothing can run between here and the copy below.
	const out = worst <= scratch.length ? scratch : new Uint8Array(worst);
	let o = 0;
	let column = 0;
	for (let i = 0; i < n; i++) {
		const b = bytes[i];
		const kind = KIND[b];
		// At the very end the closing soft break follows a space or tab, so it may stay.
		if (kind === KEEP || (kind === BLANK && (i + 1 === n || KIND[bytes[i + 1]] !== BREAK))) {
			if (column === CONTENT) {
				out[o++] = EQUALS;
				out[o++] = CR;
				out[o++] = LF;
				column = 0;
			}
			out[o++] = b;
			column++;
		} else if (kind === BREAK) {
			if (b === CR && i + 1 < n && bytes[i + 1] === LF) i++;
			out[o++] = CR;
			out[o++] = LF;
			column = 0;
		} else if (kind === POINT && column !== 0 && column !== CONTENT) {
			// In the last column a dot would need a soft break first and so start a line.
			out[o++] = b;
			column++;
		} else {
			// Escapes never straddle a soft break. A line starting with "." goes as
			// "=2E" (also after a soft break): no line of the message can then look
			// like SMTP's end of data, whatever carries it.
			if (column > CONTENT - 3) {
				out[o++] = EQUALS;
				out[o++] = CR;
				out[o++] = LF;
				column = 0;
			}
			out[o++] = EQUALS;
			out[o++] = HIGH[b];
			out[o++] = LOW[b];
			column += 3;
		}
	}
	out[o++] = EQUALS;
	// A copy of the exact length: the buffer may be the shared one, and the body
	// is kept until the message is sent.
	return out.slice(0, o);
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
