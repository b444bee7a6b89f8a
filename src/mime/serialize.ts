/**
 * A message tree to bytes: the fixed bytes (headers, boundaries, text bodies)
 * are laid out once as segments, and attachments stay raw until streamed, so
 * the exact size is a sum computed before any byte is produced and each
 * `body()` call streams the same bytes again, a bounded chunk at a time.
 */
import { base64Lines, base64LinesLength, LINE_BYTES } from "./base64.ts";
import { FieldWriter } from "./headers.ts";
import { type Part, writeParameters } from "./parts.ts";

/** Fixed bytes, or raw bytes to encode as base64 lines on the way out. */
export type Segment = Uint8Array | { base64: Uint8Array };

export interface Rendered {
	segments: Segment[];
	size: number;
}

/** Largest chunk a body stream yields. */
export const MAX_CHUNK = 65536;
/** Raw bytes encoded per chunk: whole lines, 840 × 78 = 65520 octets out. */
const BASE64_SLICE = LINE_BYTES * 840;
const BOUNDARY_ATTEMPTS = 8;

const encoder = new TextEncoder();

/**
 * Lays out `headers` (the message's own fields) and the tree. Boundaries come
 * from `newBoundary` and are drawn again if one occurs anywhere in the fixed
 * content; base64 never can (its alphabet has no `_`, and each boundary
 * starts with `=_`, which quoted-printable cannot produce either).
 */
export function render(headers: string, root: Part, newBoundary: () => string): Rendered {
	for (let attempt = 0; attempt < BOUNDARY_ATTEMPTS; attempt++) {
		const boundaries = new Map<Part, string>();
		assignBoundaries(root, boundaries, newBoundary);
		const all = [...boundaries.values()];
		if (new Set(all).size === all.length && !occursIn(all, headers, root)) return layout(headers, root, boundaries);
	}
	throw new Error("could not draw a MIME boundary absent from the content");
}

function assignBoundaries(part: Part, boundaries: Map<Part, string>, newBoundary: () => string): void {
	if (part.kind === "leaf") return;
	boundaries.set(part, newBoundary());
	for (const child of part.parts) assignBoundaries(child, boundaries, newBoundary);
}

function occursIn(boundaries: string[], headers: string, part: Part): boolean {
	if (part.kind === "multipart") return part.parts.some((child) => occursIn(boundaries, "", child));
	const texts = [headers, part.headers];
	const bytes = "bytes" in part.body ? part.body.bytes : undefined;
	return boundaries.some(
		(boundary) => texts.some((text) => text.includes(boundary)) || (bytes !== undefined && contains(bytes, boundary)),
	);
}

function contains(haystack: Uint8Array, needle: string): boolean {
	const codes = encoder.encode(needle);
	for (
		let i = haystack.indexOf(codes[0]);
		i !== -1 && i <= haystack.length - codes.length;
		i = haystack.indexOf(codes[0], i + 1)
	) {
		let j = 1;
		while (j < codes.length && haystack[i + j] === codes[j]) j++;
		if (j === codes.length) return true;
	}
	return false;
}

function layout(headers: string, root: Part, boundaries: Map<Part, string>): Rendered {
	const pieces: (string | Segment)[] = [headers];
	const endsWithLineBreak = write(root, boundaries, pieces);
	// The message ends with CRLF: SMTP's end of data needs one, and adding it
	// here keeps the size the relay sees equal to the size announced.
	if (!endsWithLineBreak) pieces.push("\r\n");
	const segments: Segment[] = [];
	let text = "";
	for (const piece of pieces) {
		if (typeof piece === "string") {
			text += piece;
			continue;
		}
		if (text) segments.push(encoder.encode(text));
		text = "";
		segments.push(piece);
	}
	if (text) segments.push(encoder.encode(text));
	let size = 0;
	for (const segment of segments)
		size += segment instanceof Uint8Array ? segment.length : base64LinesLength(segment.base64.length);
	return { segments, size };
}

/** Appends a part (its Content-* fields, a blank line, its body); true when it ends in CRLF. */
function write(part: Part, boundaries: Map<Part, string>, out: (string | Segment)[]): boolean {
	if (part.kind === "leaf") {
		out.push(part.headers, "\r\n");
		if ("base64" in part.body) {
			out.push(part.body);
			return part.body.base64.length === 0;
		}
		out.push(part.body.bytes);
		return part.body.endsWithLineBreak || part.body.bytes.length === 0;
	}
	const boundary = boundaries.get(part) as string;
	const type = new FieldWriter("Content-Type");
	writeParameters(
		type,
		`multipart/${part.subtype}`,
		[...part.parameters, `boundary="${boundary}"`].map((p) => [p]),
	);
	out.push(type.toString(), "\r\n");
	for (const child of part.parts) {
		out.push(`--${boundary}\r\n`);
		write(child, boundaries, out);
		// The CRLF before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
		out.push("\r\n");
	}
	out.push(`--${boundary}--`);
	return false;
}

/** A stream over the segments, base64 encoded slice by slice as it is read. */
export function streamSegments(segments: Segment[]): ReadableStream<Uint8Array> {
	const chunks = generateChunks(segments);
	return new ReadableStream<Uint8Array>(
		{
			pull(controller) {
				const next = chunks.next();
				if (next.done) controller.close();
				else controller.enqueue(next.value);
			},
			cancel() {
				chunks.return(undefined);
			},
		},
		// Nothing is encoded ahead of a read.
		{ highWaterMark: 0 },
	);
}

function* generateChunks(segments: Segment[]): Generator<Uint8Array, void, undefined> {
	for (const segment of segments) {
		if (segment instanceof Uint8Array) {
			for (let i = 0; i < segment.length; i += MAX_CHUNK) yield segment.subarray(i, i + MAX_CHUNK);
			continue;
		}
		const raw = segment.base64;
		for (let i = 0; i < raw.length; i += BASE64_SLICE) {
			const end = Math.min(i + BASE64_SLICE, raw.length);
			yield base64Lines(raw.subarray(i, end), end === raw.length);
		}
	}
}
