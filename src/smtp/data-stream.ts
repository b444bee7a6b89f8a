/**
 * The DATA stream: a message's bytes as they must cross the wire.
 * - every bare CR and every bare LF becomes CRLF;
 * - a line starting with `.` gets one more `.` (RFC 5321 4.5.2), also when the
 *   line starts at a chunk boundary;
 * - the stream ends with exactly `CRLF.CRLF`, so no body can end the data early.
 *
 * Chunks are scanned with indexOf and copied with subarray/set: a body that is
 * already CRLF with no leading dots passes through without a copy.
 */

import { concatBytes } from "../util/bytes.ts";

const CR = 0x0d;
const LF = 0x0a;
const DOT = 0x2e;

const TERMINATOR = new Uint8Array([DOT, CR, LF]);
const CRLF_TERMINATOR = new Uint8Array([CR, LF, DOT, CR, LF]);
const LF_TERMINATOR = new Uint8Array([LF, DOT, CR, LF]);

/** Incremental encoder: `push` each chunk in order, then `end` once. */
export class DotStuffer {
	/** The last byte out ended a line (or nothing is out yet). */
	private lineStart = true;
	/** The last byte out is a CR whose LF is still to come (or to be added). */
	private pendingCr = false;

	/** The encoded form of `chunk` (the chunk itself when nothing changes). */
	push(chunk: Uint8Array): Uint8Array {
		const n = chunk.length;
		if (n === 0) return chunk;
		// Positions before which one byte is inserted: CR before a bare LF, LF
		// after a bare CR (inserted before the next byte), `.` before a leading dot.
		const at: number[] = [];
		const insert: number[] = [];
		let i = 0;
		if (this.pendingCr) {
			this.pendingCr = false;
			if (chunk[0] === LF) i = 1;
			else {
				at.push(0);
				insert.push(LF);
			}
			this.lineStart = true;
		}
		let nextCr = -2;
		let nextLf = -2;
		while (i < n) {
			if (this.lineStart) {
				this.lineStart = false;
				if (chunk[i] === DOT) {
					at.push(i);
					insert.push(DOT);
				}
			}
			if (nextCr < i && nextCr !== -1) nextCr = chunk.indexOf(CR, i);
			if (nextLf < i && nextLf !== -1) nextLf = chunk.indexOf(LF, i);
			if (nextCr === -1 && nextLf === -1) break;
			if (nextLf !== -1 && (nextCr === -1 || nextLf < nextCr)) {
				// A bare LF.
				at.push(nextLf);
				insert.push(CR);
				i = nextLf + 1;
			} else if (nextCr + 1 === n) {
				// A CR at the end of the chunk: the next chunk tells whether it is bare.
				this.pendingCr = true;
				return this.build(chunk, at, insert);
			} else if (chunk[nextCr + 1] === LF) {
				i = nextCr + 2;
			} else {
				// A bare CR.
				at.push(nextCr + 1);
				insert.push(LF);
				i = nextCr + 1;
			}
			this.lineStart = true;
		}
		return this.build(chunk, at, insert);
	}

	/** What ends the data: completes the last line and adds `.CRLF`. */
	end(): Uint8Array {
		if (this.pendingCr) {
			this.pendingCr = false;
			return LF_TERMINATOR;
		}
		return this.lineStart ? TERMINATOR : CRLF_TERMINATOR;
	}

	private build(chunk: Uint8Array, at: number[], insert: number[]): Uint8Array {
		if (at.length === 0) return chunk;
		const out = new Uint8Array(chunk.length + at.length);
		let from = 0;
		let to = 0;
		for (let k = 0; k < at.length; k++) {
			const p = at[k];
			out.set(chunk.subarray(from, p), to);
			to += p - from;
			out[to++] = insert[k];
			from = p;
		}
		out.set(chunk.subarray(from), to);
		return out;
	}
}

/** The parts as one array: the only part itself when there is one (no copy on the hot path). */
const joined = (parts: Uint8Array[]): Uint8Array => (parts.length === 1 ? parts[0] : concatBytes(parts));

/** The whole encoding of one body given at once (tests, small bodies). */
export function dotStuff(body: Uint8Array): Uint8Array {
	const stuffer = new DotStuffer();
	return joined([stuffer.push(body), stuffer.end()]);
}

/** Reads a body given as a ReadableStream or any async iterable of bytes. */
export async function* chunksOf(
	body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
): AsyncGenerator<Uint8Array, void, undefined> {
	if (!(body instanceof ReadableStream)) {
		for await (const chunk of body) yield asBytes(chunk);
		return;
	}
	const reader = body.getReader();
	try {
		for (;;) {
			const { value, done } = await reader.read();
			if (done) return;
			yield asBytes(value);
		}
	} finally {
		// Stops the source when we give up early (a failed write, a timeout).
		reader.cancel().catch(() => {});
		reader.releaseLock();
	}
}

function asBytes(chunk: unknown): Uint8Array {
	if (chunk instanceof Uint8Array) return chunk;
	if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
	if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
	throw new TypeError("a message body must yield bytes (Uint8Array)");
}

/**
 * The message's DATA bytes, encoded, in writes of about `blockSize` bytes (small
 * source chunks are gathered so the socket sees few large writes); the last one
 * carries the terminator.
 */
export async function* dataBlocks(
	body: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>,
	blockSize = 64 * 1024,
): AsyncGenerator<Uint8Array, void, undefined> {
	const stuffer = new DotStuffer();
	let parts: Uint8Array[] = [];
	let size = 0;
	for await (const chunk of chunksOf(body)) {
		const out = stuffer.push(chunk);
		if (out.length === 0) continue;
		if (size === 0 && out.length >= blockSize) {
			yield out;
			continue;
		}
		parts.push(out);
		size += out.length;
		if (size >= blockSize) {
			yield joined(parts);
			parts = [];
			size = 0;
		}
	}
	parts.push(stuffer.end());
	yield joined(parts);
}
