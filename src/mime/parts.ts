/**
 * The leaves of a message: text and HTML bodies, attachments and inline parts,
 * each with its Content-* header fields already written. An attachment keeps
 * its raw bytes; they are base64-encoded only as the message is streamed.
 */
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
	/** The body holds octets above 127 as they are (an 8bit message/* part). */
	eightBit?: true;
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
	// RFC 2046 §5.2.1: a message/* part is never base64 (or quoted-printable);
	// content that cannot go as it is travels as plain bytes instead.
	const isMessage = /^message\//i.test(attachment.type);
	let asIs = isMessage ? unencodedEncoding(attachment.content) : undefined;
	// message/partial and message/external-body must be 7bit (RFC 2046 §5.2.2, §5.2.3).
	if (asIs === "8bit" && !/^message\/(rfc822|global)\b/i.test(attachment.type)) asIs = undefined;
	const mediaType = asIs || !isMessage ? attachment.type : "application/octet-stream";
	const type = new FieldWriter("Content-Type");
	// `name` for clients that predate Content-Disposition, written like `filename` (RFC 2231, never encoded-words in quotes).
	writeParameters(type, mediaType, [encodeParameter("name", attachment.filename)]);
	const disposition = new FieldWriter("Content-Disposition");
	writeParameters(
		disposition,
		attachment.disposition,
		encodeParameter("filename", attachment.filename).map((piece) => [piece]),
	);
	return {
		kind: "leaf",
		headers:
			type.toString() +
			simpleField("Content-Transfer-Encoding", asIs ?? "base64") +
			(attachment.contentId ? simpleField("Content-ID", `<${attachment.contentId}>`) : "") +
			disposition.toString(),
		body: asIs
			? { bytes: attachment.content, endsWithLineBreak: endsWithCrlf(attachment.content) }
			: { base64: attachment.content },
		...(asIs === "8bit" ? { eightBit: true as const } : {}),
	};
}

/**
 * `7bit` or `8bit` when the bytes can cross SMTP as they are (RFC 2045 §2.7,
 * §2.8): CRLF line ends only, no line over 998 octets, no NUL; else undefined.
 */
export function unencodedEncoding(content: Uint8Array): "7bit" | "8bit" | undefined {
	let eightBit = false;
	let lineStart = 0;
	for (let i = 0; i < content.length; i++) {
		const b = content[i];
		if (b === 0x0a) {
			if (content[i - 1] !== 0x0d || i - 1 - lineStart > 998) return undefined;
			lineStart = i + 1;
		} else if (b === 0x0d) {
			if (content[i + 1] !== 0x0a) return undefined;
		} else if (b === 0) return undefined;
		else if (b > 127) eightBit = true;
	}
	if (content.length - lineStart > 998) return undefined;
	return eightBit ? "8bit" : "7bit";
}

function endsWithCrlf(bytes: Uint8Array): boolean {
	return bytes.length >= 2 && bytes[bytes.length - 2] === 0x0d && bytes[bytes.length - 1] === 0x0a;
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
