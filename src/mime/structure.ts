/**
 * The shape of a message, chosen from what it holds:
 *
 *   text or html alone         text/plain | text/html
 *   text and html              multipart/alternative (text, html)
 *   html with inline parts     multipart/related; type="text/html" (html, inline…)
 *   attachments                multipart/mixed (all of the above, attachment…)
 *
 * Inline parts go beside the HTML that shows them; without HTML there is
 * nothing to relate them to, so they travel in multipart/mixed like the rest.
 */
import { type AttachmentLeafInput, attachmentLeaf, type Leaf, type Part, textLeaf } from "./parts.ts";

export interface Content {
	text?: string;
	html?: string;
	attachments: AttachmentLeafInput[];
}

export function buildStructure(content: Content): Part {
	const related: Leaf[] = [];
	const mixed: Leaf[] = [];
	for (const attachment of content.attachments) {
		const leaf = attachmentLeaf(attachment);
		if (attachment.disposition === "inline" && content.html !== undefined) related.push(leaf);
		else mixed.push(leaf);
	}
	let html: Part | undefined;
	if (content.html !== undefined) {
		html = textLeaf(content.html, "html");
		if (related.length) html = multipart("related", [html, ...related], ['type="text/html"']);
	}
	const text = content.text !== undefined ? textLeaf(content.text, "plain") : undefined;
	// validate() guarantees text or html.
	let body = (text && html ? multipart("alternative", [text, html]) : (text ?? html)) as Part;
	if (mixed.length) body = multipart("mixed", [body, ...mixed]);
	return body;
}

function multipart(subtype: "mixed" | "alternative" | "related", parts: Part[], parameters: string[] = []): Part {
	return { kind: "multipart", subtype, parameters, parts };
}
