/**
 * `data:` images inside HTML (`<img src="data:image/png;base64,…">`) become
 * inline parts: most mail clients refuse to show data: URIs, while they all
 * show a `cid:` reference to a part of the same message.
 */
import { cidUrl } from "./content-id.ts";

export interface DataImage {
	type: string;
	content: Uint8Array;
	contentId: string;
}

export interface ExtractedImages {
	html: string;
	images: DataImage[];
	/** data: image URIs left as they were because their base64 did not decode. */
	invalid: number;
}

// The start of a data: image URI in an attribute or CSS url() value (never in
// text), capturing the quote that will end it.
const DATA_IMAGE =
	/(?<=(?:\bsrc|\bbackground|\bposter)\s*=\s*(["']?)|url\(\s*(["']?))data:(image\/[a-z0-9.+-]+)(?:;[a-z0-9-]+=[^;,"'\s)>]*)*;base64,/gi;

/** Replaces each base64 data: image with `cid:<id>` (%-encoded); the same URI twice becomes one part. */
export function extractDataImages(html: string, newContentId: () => string): ExtractedImages {
	const byData = new Map<string, DataImage>();
	const out: string[] = [];
	let invalid = 0;
	let copied = 0;
	DATA_IMAGE.lastIndex = 0;
	for (let match = DATA_IMAGE.exec(html); match; match = DATA_IMAGE.exec(html)) {
		const [prefix, attributeQuote, urlQuote, type] = match;
		const start = match.index + prefix.length;
		// Found with indexOf: a character class run over megabytes of base64 is far slower.
		const end = dataEnd(html, start, attributeQuote ?? urlQuote ?? "", urlQuote !== undefined);
		if (end === -1) break;
		DATA_IMAGE.lastIndex = end;
		const data = html.slice(start, end);
		let image = byData.get(data);
		if (!image) {
			const content = decodeBase64(data);
			if (!content) {
				invalid++;
				continue;
			}
			image = { type: type.toLowerCase(), content, contentId: newContentId() };
			byData.set(data, image);
		}
		out.push(html.slice(copied, match.index), cidUrl(image.contentId));
		copied = end;
	}
	out.push(html.slice(copied));
	return { html: out.join(""), images: [...byData.values()], invalid };
}

/** Where the URI's data ends: its closing quote, or `)` in url(), or white space or `>` unquoted. */
function dataEnd(html: string, start: number, quote: string, inUrl: boolean): number {
	if (quote) return html.indexOf(quote, start);
	if (inUrl) return html.indexOf(")", start);
	const rest = /[\s>]/g;
	rest.lastIndex = start;
	return rest.exec(html)?.index ?? html.length;
}

/** Uint8Array.fromBase64 where the runtime has it (workerd does; ES2024 typings do not). */
const NativeBase64 = Uint8Array as unknown as { fromBase64?: (text: string) => Uint8Array };

function decodeBase64(text: string): Uint8Array | undefined {
	try {
		if (NativeBase64.fromBase64) return NativeBase64.fromBase64(text);
		const binary = atob(text);
		const bytes = new Uint8Array(binary.length);
		for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
		return bytes;
	} catch {
		return undefined;
	}
}

/** The content ids the HTML points at with `cid:` URLs (RFC 2392), %-decoded. */
export function cidReferences(html: string): Set<string> {
	const ids = new Set<string>();
	for (const [, raw] of html.matchAll(/\bcid:([^"'\s)>]+)/gi)) {
		try {
			ids.add(decodeURIComponent(raw));
		} catch {
			ids.add(raw);
		}
	}
	return ids;
}
