/**
 * The leaves of a message: text and HTML bodies, attachments and inline parts,
 * each with its Content-* header fields already written. An attachment keeps
 * its raw bytes; they are base64-encoded only as the message is streamed.
 */
import { encodeWords } from "./encoded-word.ts";
import { FieldWriter, simpleField } from "./headers.ts";
import { encodeText } from "./quoted-printable.ts";
import { encodeParameter } from "./rfc2231.ts";

export type Body =
	/** Encoded already; `endsWithLineBreak` tells whether a CRLF must follow before what comes next. */
	| { bytes: Uint8Array; endsWithLineBreak: boolean }
	/** Raw bytes, encoded as base64 lines while streaming. */
	| { base64: Uint8Array };

export interface Leaf {
	kind: "leaf";
	/** Content-* fields, each ending in CRLF. */
	headers: string;
	body: Body;
}

export interface Multipart {
	kind: "multipart";
	subtype: "mixed" | "alternative" | "related";
	/** Parameters beside the boundary, like `type="text/html"`. */
	parameters: string[];
	parts: Part[];
}

export type Part = Leaf | Multipart;

export interface AttachmentLeafInput {
	filename: string;
	type: string;
	disposition: "attachment" | "inline";
	contentId?: string;
	content: Uint8Array;
}

/** text/plain or text/html in UTF-8, 7bit or quoted-printable. */
export function textLeaf(text: string, subtype: "plain" | "html"): Leaf {
	const encoded = encodeText(text);
	return {
		kind: "leaf",
		headers:
			simpleField("Content-Type", `text/${subtype}; charset=utf-8`) +
			simpleField("Content-Transfer-Encoding", encoded.encoding),
		body: { bytes: encoded.bytes, endsWithLineBreak: encoded.endsWithLineBreak },
	};
}

export function attachmentLeaf(attachment: AttachmentLeafInput): Leaf {
	const filename = encodeParameter("filename", attachment.filename);
	const type = new FieldWriter("Content-Type");
	writeParameters(type, attachment.type, [legacyName(attachment.filename)]);
	const disposition = new FieldWriter("Content-Disposition");
	writeParameters(
		disposition,
		attachment.disposition,
		filename.map((piece) => [piece]),
	);
	return {
		kind: "leaf",
		headers:
			type.toString() +
			simpleField("Content-Transfer-Encoding", "base64") +
			(attachment.contentId ? simpleField("Content-ID", `<${attachment.contentId}>`) : "") +
			disposition.toString(),
		body: { base64: attachment.content },
	};
}

/**
 * The file name as Content-Type's `name` for clients that predate RFC 2231: a
 * quoted string, holding encoded-words when the name is not short plain ASCII
 * (the form such clients decode; RFC 2231-aware ones read `filename*`).
 */
function legacyName(filename: string): string[] {
	const [plain, ...more] = encodeParameter("name", filename);
	if (more.length === 0 && !plain.startsWith("name*")) return [plain];
	const words = encodeWords(filename, 68, 74);
	words[0] = `name="${words[0]}`;
	words[words.length - 1] += '"';
	return words;
}

/**
 * `value; p1; p2`, where each parameter is a list of pieces written with a
 * folding space between them (most parameters are one piece).
 */
export function writeParameters(field: FieldWriter, value: string, parameters: string[][]): void {
	field.add(` ${value}${parameters.length ? ";" : ""}`);
	parameters.forEach((pieces, i) => {
		const separator = i < parameters.length - 1 ? ";" : "";
		pieces.forEach((piece, j) => {
			field.add(` ${piece}${j === pieces.length - 1 ? separator : ""}`);
		});
	});
}
