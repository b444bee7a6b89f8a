/**
 * Header fields (RFC 5322 §2.2): names, folding, and unstructured text.
 * A field is written piece by piece; a piece that begins with a space is a
 * place where the line may fold, and it folds when the line would pass 78
 * octets (76 on a line holding an encoded-word, RFC 2047 §2). No line ever
 * passes 998 octets: this is the one place that guarantees it, and a field
 * that cannot be written so throws HeaderLineTooLong when it is read out.
 */
import { encodeWords, MAX_WORD, needsEncoding } from "./encoded-word.ts";

/** Where lines fold (RFC 5322 §2.1.1 "SHOULD"). */
export const FOLD_AT = 78;
/** The longest line that holds an encoded-word (RFC 2047 §2), CRLF excluded. */
export const ENCODED_LINE = 76;
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

/** A field that cannot be written in lines of at most 998 octets (a word or a run of spaces too long). */
export class HeaderLineTooLong extends Error {
	override readonly name = "HeaderLineTooLong";
}

/** One header field, folded as it is written. */
export class FieldWriter {
	private readonly lines: string[] = [];
	private line: string;
	/** The current line holds an encoded-word: it folds at 76, not 78. */
	private lineEncoded = false;
	/** Nothing but the name is written yet. */
	private bare = true;

	constructor(name: string) {
		this.line = `${name}:`;
	}

	/** Octets on the current line so far. */
	get column(): number {
		return octets(this.line);
	}

	/**
	 * Appends a piece, folding before it when it begins with a space and the
	 * line is full. `encoded`: the piece is an encoded-word.
	 */
	add(piece: string, encoded = false): this {
		// A line of white space alone would be lost in unfolding (RFC 5322 §3.2.2);
		// `Name:` alone on its line only when that makes the piece fit.
		const length = octets(piece);
		const limit = this.lineEncoded || encoded ? ENCODED_LINE : FOLD_AT;
		const foldable = piece.startsWith(" ") && piece.trim() !== "";
		if (foldable && this.column + length > limit) {
			if (length > MAX_LINE) this.foldInsideRun(piece);
			else if (!this.bare || length <= FOLD_AT) this.newLine(piece, encoded);
			else this.append(piece, encoded);
		} else this.append(piece, encoded);
		if (piece !== "") this.bare = false;
		return this;
	}

	/** Appends text as encoded-words, the first sized to what is left of the line. */
	addEncoded(text: string): this {
		const room = ENCODED_LINE - this.column - 1;
		for (const word of encodeWords(text, room, MAX_WORD)) this.add(` ${word}`, true);
		return this;
	}

	/** Appends unstructured text (RFC 5322 §3.2.5), encoding only the words that need it. */
	addText(text: string, options: { encodeLongWords: boolean }): this {
		const words = text.split(" ");
		const encode = words.map((word) => needsEncoding(word) || (options.encodeLongWords && octets(word) > FOLD_AT - 1));
		const first = encode.indexOf(true);
		if (first === -1) return this.addWords(words);
		// One encoded run from the first word that needs it to the last, so the
		// spaces between them survive (decoders drop space between encoded-words).
		const last = encode.lastIndexOf(true);
		this.addWords(words.slice(0, first));
		this.addEncoded(words.slice(first, last + 1).join(" "));
		return this.addWords(words.slice(last + 1));
	}

	/** The field, CRLF-terminated; throws HeaderLineTooLong when a line would pass 998 octets. */
	toString(): string {
		const all = [...this.lines, this.line];
		const longest = Math.max(...all.map(octets));
		if (longest > MAX_LINE) {
			throw new HeaderLineTooLong(`a line of ${longest} octets; header lines may have at most ${MAX_LINE}`);
		}
		return `${all.join("\r\n")}\r\n`;
	}

	/**
	 * Words as split on single spaces (an empty word is one more space): each
	 * goes with the run of spaces before it, so a fold lands before a word,
	 * never before white space alone.
	 */
	private addWords(words: string[]): this {
		let spaces = " ";
		for (const word of words) {
			if (word === "") spaces += " ";
			else {
				this.add(spaces + word);
				spaces = " ";
			}
		}
		// Spaces after the last word: one fewer than counted, the first separated that word.
		if (spaces.length > 1) this.add(spaces.slice(1));
		return this;
	}

	/**
	 * A piece longer than a whole line (a long run of spaces, then a word):
	 * the fewest spaces of its run stay at the end of this line so the rest,
	 * still starting with a space, fits the next. Unfolding restores the run.
	 */
	private foldInsideRun(piece: string): void {
		const run = piece.length - piece.trimStart().length;
		const keep = octets(piece) - MAX_LINE;
		if (keep < run && this.column + keep <= MAX_LINE) {
			this.append(" ".repeat(keep), false);
			this.newLine(piece.slice(keep), false);
		} else this.append(piece, false); // cannot fit: toString() refuses the field
	}

	private newLine(piece: string, encoded: boolean): void {
		this.lines.push(this.line);
		this.line = piece;
		this.lineEncoded = encoded;
	}

	private append(piece: string, encoded: boolean): void {
		this.line += piece;
		this.lineEncoded ||= encoded;
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
