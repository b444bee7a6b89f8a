/**
 * composeMessage: checked input in, a message ready for SMTP out — its
 * envelope, its exact size, and a stream of its bytes that can be read again.
 */

import { formatPath } from "../util/field-path.ts";
import { type Mailbox, writeAddressList } from "./address.ts";
import { cidReferences, extractDataImages } from "./data-uri.ts";
import { type IssuePath, MimeValidationError } from "./errors.ts";
import { FieldWriter, formatDate, HeaderLineTooLong, simpleField } from "./headers.ts";
import { extensionFor } from "./media-type.ts";
import type { AttachmentLeafInput, Part } from "./parts.ts";
import { render, streamSegments } from "./serialize.ts";
import { buildStructure } from "./structure.ts";
import type { ComposedMessage, ComposeOptions, MessageInput, MimeWarning } from "./types.ts";
import { type ValidMessage, validate } from "./validate.ts";

const defaultRandom = (n: number): Uint8Array => crypto.getRandomValues(new Uint8Array(n));

/** Throws MimeValidationError, listing every bad field, when the input cannot make a message. */
export function composeMessage(input: MessageInput, options: ComposeOptions = {}): ComposedMessage {
	const message = validate(input);
	const random = options.random ?? defaultRandom;
	const domain = message.from.address.slice(message.from.address.lastIndexOf("@") + 1);
	const messageId = `<${hex(random(16))}@${domain}>`;
	const warnings: MimeWarning[] = [];

	const attachments: AttachmentLeafInput[] = [...message.attachments];
	let html = message.html;
	if (html !== undefined) {
		const taken = new Set(message.attachments.map((a) => a.contentId));
		const newContentId = (): string => {
			let id: string;
			do id = `${hex(random(8))}@${domain}`;
			while (taken.has(id));
			taken.add(id);
			return id;
		};
		const extracted = extractDataImages(html, newContentId);
		html = extracted.html;
		extracted.images.forEach((image, i) => {
			attachments.push({ ...image, filename: `image-${i + 1}.${extensionFor(image.type)}`, disposition: "inline" });
		});
		if (extracted.invalid) {
			warnings.push({
				code: "data_uri_invalid",
				path: "html",
				message: `${extracted.invalid} data: image URI(s) with invalid base64 were left in the HTML`,
			});
		}
	}
	const referenced = html === undefined ? new Set<string>() : cidReferences(html);
	for (const attachment of message.attachments) {
		if (attachment.disposition !== "inline") continue;
		if (attachment.contentId !== undefined && referenced.has(attachment.contentId)) continue;
		warnings.push({
			code: "inline_unreferenced",
			path: formatPath(["attachments", attachment.index]),
			message:
				attachment.contentId === undefined
					? "inline part has no contentId, so the HTML cannot show it"
					: `inline part is sent, but the HTML never refers to cid:${attachment.contentId}`,
		});
	}

	// A cid: URL can only mean a part of this message: one that names no part is a broken image.
	const contentIds = new Set(attachments.map((a) => a.contentId));
	for (const id of referenced) {
		if (contentIds.has(id)) continue;
		warnings.push({
			code: "cid_unresolved",
			path: "html",
			message: `the HTML refers to cid:${id}, but no inline part has that contentId`,
		});
	}

	const root = buildStructure({ text: message.text, html, attachments });
	const headers = messageHeaders(message, messageId, options.now ?? new Date());
	const { segments, size } = render(headers, root, () => `=_${hex(random(12))}`);
	const mailboxes = [message.from, ...message.to, ...message.cc, ...message.bcc, ...message.replyTo];
	const smtpUtf8 = mailboxes.some((mailbox) => mailbox.utf8);
	return {
		messageId,
		envelope: { from: message.from.address, to: dedupe([...message.to, ...message.cc, ...message.bcc]) },
		size,
		body: () => streamSegments(segments),
		// Only a raw UTF-8 address or an 8bit message/* part puts octets above 127 into the message.
		eightBit: smtpUtf8 || hasEightBitPart(root),
		smtpUtf8,
		warnings,
	};
}

/** The message's own header fields, in the usual order; Bcc is never among them. */
function messageHeaders(message: ValidMessage, messageId: string, now: Date): string {
	const addresses = (name: string, list: Mailbox[]): string => {
		if (!list.length) return "";
		const field = new FieldWriter(name);
		writeAddressList(field, list);
		return field.toString();
	};
	let out =
		addresses("From", [message.from]) +
		addresses("To", message.to) +
		addresses("Cc", message.cc) +
		addresses("Reply-To", message.replyTo) +
		written(["subject"], () => new FieldWriter("Subject").addText(message.subject, { encodeLongWords: true })) +
		simpleField("Date", formatDate(now)) +
		simpleField("Message-ID", messageId);
	for (const [name, value] of message.headers) {
		// Caller fields may be structured (List-Unsubscribe: <https://…>): long
		// words stay whole, so a word that cannot fit 998 octets is refused.
		out += written(["headers", name], () => new FieldWriter(name).addText(value, { encodeLongWords: false }));
	}
	return `${out}${simpleField("MIME-Version", "1.0")}`;
}

/** A field built from caller text, as bytes; one that cannot keep to 998-octet lines is refused, naming it. */
function written(path: IssuePath, build: () => FieldWriter): string {
	try {
		return build().toString();
	} catch (error) {
		if (!(error instanceof HeaderLineTooLong)) throw error;
		throw new MimeValidationError([
			{
				path,
				message: "cannot be written in header lines of at most 998 octets (a word or a run of spaces is too long)",
			},
		]);
	}
}

/** Recipients once each, in order; `Amy@Example.com` and `Amy@example.com` are one. */
function dedupe(mailboxes: Mailbox[]): string[] {
	const seen = new Set<string>();
	const out: string[] = [];
	for (const mailbox of mailboxes) {
		if (seen.has(mailbox.key)) continue;
		seen.add(mailbox.key);
		out.push(mailbox.address);
	}
	return out;
}

function hasEightBitPart(part: Part): boolean {
	return part.kind === "leaf" ? part.eightBit === true : part.parts.some(hasEightBitPart);
}

function hex(bytes: Uint8Array): string {
	return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
