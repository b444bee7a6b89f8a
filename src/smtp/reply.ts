/**
 * The reply parser: turns the bytes a relay sends into whole SMTP replies,
 * whatever the packet boundaries (a reply split across packets, several
 * replies in one packet, multi-line replies), with enhanced status codes.
 */

export interface SmtpReply {
	/** The three-digit reply code. */
	code: number;
	/** RFC 3463 enhanced status code (`5.1.1`), when the reply starts with one. */
	enhancedCode?: string;
	/** Each line's text, without the code and separator. */
	lines: string[];
	/** The reply as sent, lines joined by `\n` (codes kept). */
	text: string;
}

/** The relay sent something that is not an SMTP reply. */
export class ReplySyntaxError extends Error {
	override readonly name = "ReplySyntaxError";
}

const LF = 0x0a;
const CR = 0x0d;
/** A reply line longer than this is not a reply (RFC 5321 allows 512 octets). */
const MAX_LINE = 8192;
/** A reply with more lines than this is not a reply either. */
const MAX_LINES = 1000;

const ENHANCED = /^([245])\.(\d{1,3})\.(\d{1,3})(?=\s|$)/;

const decoder = new TextDecoder("utf-8");

export class ReplyParser {
	private partial: Uint8Array | null = null;
	private lines: string[] = [];
	private code = 0;

	/** Feeds one chunk; returns the replies it completed, in order. Throws ReplySyntaxError. */
	push(chunk: Uint8Array): SmtpReply[] {
		let bytes = chunk;
		if (this.partial) {
			bytes = new Uint8Array(this.partial.length + chunk.length);
			bytes.set(this.partial);
			bytes.set(chunk, this.partial.length);
			this.partial = null;
		}
		const replies: SmtpReply[] = [];
		let start = 0;
		for (let lf = bytes.indexOf(LF); lf >= 0; lf = bytes.indexOf(LF, start)) {
			const end = lf > start && bytes[lf - 1] === CR ? lf - 1 : lf;
			const reply = this.line(decoder.decode(bytes.subarray(start, end)));
			if (reply) replies.push(reply);
			start = lf + 1;
		}
		if (start < bytes.length) {
			if (bytes.length - start > MAX_LINE) throw new ReplySyntaxError("reply line too long");
			this.partial = bytes.slice(start);
		}
		return replies;
	}

	/** Forgets everything buffered (after STARTTLS nothing read before may be used). */
	reset(): void {
		this.partial = null;
		this.lines = [];
		this.code = 0;
	}

	/** Whether bytes of an unfinished reply are buffered. */
	get pending(): boolean {
		return this.partial !== null || this.lines.length > 0;
	}

	private line(line: string): SmtpReply | null {
		if (line.length > MAX_LINE) throw new ReplySyntaxError("reply line too long");
		const m = /^([2-5]\d\d)([ -]|$)/.exec(line);
		if (!m) throw new ReplySyntaxError(`not an SMTP reply: ${JSON.stringify(line.slice(0, 80))}`);
		const code = Number(m[1]);
		if (this.lines.length === 0) this.code = code;
		else if (code !== this.code)
			throw new ReplySyntaxError(`reply code changed from ${this.code} to ${code} mid-reply`);
		this.lines.push(line);
		if (m[2] === "-") {
			if (this.lines.length > MAX_LINES) throw new ReplySyntaxError("reply has too many lines");
			return null;
		}
		const raw = this.lines;
		this.lines = [];
		return makeReply(code, raw);
	}
}

function makeReply(code: number, raw: string[]): SmtpReply {
	const lines = raw.map((l) => l.slice(4));
	const reply: SmtpReply = { code, lines, text: raw.join("\n") };
	const enhanced = ENHANCED.exec(lines[0]);
	if (enhanced && enhanced[1] === String(code)[0]) reply.enhancedCode = enhanced[0];
	return reply;
}

/** Parses a whole reply given as text (tests, and callers holding a reply line). */
export function parseReply(text: string): SmtpReply {
	const parser = new ReplyParser();
	const replies = parser.push(new TextEncoder().encode(text.endsWith("\n") ? text : `${text}\r\n`));
	if (replies.length !== 1 || parser.pending) throw new ReplySyntaxError("expected exactly one reply");
	return replies[0];
}
