/**
 * Header fields (RFC 5322 §2.2): names, folding, and unstructured text.
 * A field is written piece by piece; a piece that begins with a space is a
 * place where the line may fold, and it folds when the line would pass 78
 * octets. No line may pass 998 octets: the caller learns when one would.
 */
import { encodeWords, MAX_WORD, needsEncoding } from "./encoded-word.ts";

/** Where lines fold (RFC 5322 §2.1.1 "SHOULD"). */
export const FOLD_AT = 78;
/** The hard limit (RFC 5322 §2.1.1 "MUST"), CRLF excluded. */
export const MAX_LINE = 998;

/** RFC 5322 §3.6.8 field-name: printable ASCII but the colon. */
export function isFieldName(name: string): boolean {
	return /^[\x21-\x39\x3b-\x7e]+$/.test(name);
}

const encoder = new TextEncoder();

export function isAscii(text: string): boolean {
	return /^\p{ASCII}*$/u.test(text);
}

/** Length in octets of a line (raw UTF-8 addresses count their bytes). */
export function octets(text: string): number {
	return isAscii(text) ? text.length : encoder.encode(text).length;
}

/** One header field, folded as it is written. */
export class FieldWriter {
	private readonly lines: string[] = [];
	private line: string;
	/** Nothing but the name is written yet. */
	private bare = true;

	constructor(name: string) {
		this.line = `${name}:`;
	}

	/** Octets on the current line so far. */
	get column(): number {
		return octets(this.line);
	}

	/** Appends a piece, folding before it when it begins with a space and the line is full. */
	add(piece: string): this {
		// A line of white space alone would be lost in unfolding (RFC 5322 §3.2.2);
		// `Name:` alone on its line only when that makes the piece fit.
		const length = octets(piece);
		const foldable = piece.startsWith(" ") && piece.trim() !== "" && (!this.bare || length <= FOLD_AT);
		if (foldable && this.column + length > FOLD_AT) {
			this.lines.push(this.line);
			this.line = piece;
		} else this.line += piece;
		if (piece !== "") this.bare = false;
		return this;
	}

	/** Appends text as encoded-words, the first sized to what is left of the line. */
	addEncoded(text: string): this {
		const room = FOLD_AT - this.column - 1;
		for (const word of encodeWords(text, room, MAX_WORD)) this.add(` ${word}`);
		return this;
	}

	/** Appends unstructured text (RFC 5322 §3.2.5), encoding only the words that need it. */
	addText(text: string, options: { encodeLongWords: boolean }): this {
		const words = text.split(" ");
		const encode = words.map((word) => needsEncoding(word) || (options.encodeLongWords && octets(word) > FOLD_AT - 1));
		const first = encode.indexOf(true);
		if (first === -1) {
			for (const word of words) this.add(` ${word}`);
			return this;
		}
		// One encoded run from the first word that needs it to the last, so the
		// spaces between them survive (decoders drop space between encoded-words).
		const last = encode.lastIndexOf(true);
		for (const word of words.slice(0, first)) this.add(` ${word}`);
		this.addEncoded(words.slice(first, last + 1).join(" "));
		for (const word of words.slice(last + 1)) this.add(` ${word}`);
		return this;
	}

	/** The longest line in octets, to check against MAX_LINE. */
	longestLine(): number {
		return Math.max(...[...this.lines, this.line].map(octets));
	}

	toString(): string {
		return `${[...this.lines, this.line].join("\r\n")}\r\n`;
	}
}

/** A field of one short value that never needs folding: `Name: value`. */
export function simpleField(name: string, value: string): string {
	return `${name}: ${value}\r\n`;
}

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** RFC 5322 §3.3 date-time in UTC: `Tue, 03 Nov 2026 09:05:00 +0000`. */
export function formatDate(date: Date): string {
	const two = (n: number) => String(n).padStart(2, "0");
	return `${DAYS[date.getUTCDay()]}, ${two(date.getUTCDate())} ${MONTHS[date.getUTCMonth()]} ${date.getUTCFullYear()} ${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} +0000`;
}
