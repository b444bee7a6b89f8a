/**
 * A stored message as its recipient would see it: parsed with mailparser,
 * the HTML's `cid:` links pointed at the inbox's part URLs, the parts listed
 * for download. Parsing is cached, since the page asks for one message
 * several times (details, HTML, each image).
 */
import { type AddressObject, type ParsedMail, simpleParser } from "mailparser";
import type { Outbox, StoredMessage } from "../outbox.ts";

export interface PartInfo {
	index: number;
	filename: string;
	contentType: string;
	size: number;
	contentId?: string;
	inline: boolean;
	url: string;
}

export interface MessageSummary extends StoredMessage {
	subject: string;
	from: string;
	to: string;
	date?: string;
	parts: number;
}

export interface MessageDetails extends MessageSummary {
	cc: string;
	replyTo: string;
	messageId?: string;
	hasHtml: boolean;
	text?: string;
	attachments: PartInfo[];
}

const CACHE_SIZE = 50;

// "Name <address>" without the quotes mailparser's .text keeps: this is for reading, not for replying.
const addresses = (value?: AddressObject | AddressObject[]) =>
	(Array.isArray(value) ? value : value ? [value] : [])
		.flatMap((object) => object.value)
		.flatMap((a) => (a.group ? a.group : [a]))
		.map((a) => (a.name ? `${a.name} <${a.address ?? ""}>` : (a.address ?? "")))
		.join(", ");

export const partUrl = (id: string, index: number) => `/messages/${encodeURIComponent(id)}/parts/${index}`;

export class MessageView {
	private parsed = new Map<string, Promise<ParsedMail>>();
	// Summaries are small and the list needs all of them: kept for every message, parsed once.
	private summaries = new Map<string, MessageSummary>();
	private outbox: Outbox;

	constructor(outbox: Outbox) {
		this.outbox = outbox;
	}

	private parse(id: string): Promise<ParsedMail> | undefined {
		let parsed = this.parsed.get(id);
		if (!parsed) {
			const raw = this.outbox.raw(id);
			if (!raw) return undefined;
			// keepCidLinks: we serve parts at URLs instead of inlining them as data: URIs.
			parsed = simpleParser(raw, { keepCidLinks: true, skipTextLinks: true });
			this.parsed.set(id, parsed);
			if (this.parsed.size > CACHE_SIZE) this.parsed.delete(this.parsed.keys().next().value as string);
		}
		return parsed;
	}

	async summary(stored: StoredMessage): Promise<MessageSummary> {
		const known = this.summaries.get(stored.id);
		if (known) return known;
		const mail = await this.parse(stored.id);
		const summary = {
			...stored,
			subject: mail?.subject ?? "",
			from: addresses(mail?.from) || stored.mailFrom,
			to: addresses(mail?.to) || stored.rcptTo.join(", "),
			date: mail?.date?.toISOString(),
			parts: mail?.attachments.length ?? 0,
		};
		this.summaries.set(stored.id, summary);
		return summary;
	}

	async details(id: string): Promise<MessageDetails | undefined> {
		const stored = this.outbox.get(id);
		const mail = await this.parse(id);
		if (!stored || !mail) return undefined;
		return {
			...(await this.summary(stored)),
			cc: addresses(mail.cc),
			replyTo: addresses(mail.replyTo),
			messageId: mail.messageId,
			hasHtml: Boolean(mail.html),
			text: mail.text,
			attachments: mail.attachments.map((a, index) => ({
				index,
				filename: a.filename ?? `part-${index + 1}`,
				contentType: a.contentType,
				size: a.size,
				contentId: a.cid,
				inline: a.contentDisposition === "inline" || Boolean(a.related),
				url: partUrl(id, index),
			})),
		};
	}

	/** The HTML body with each `cid:` reference replaced by the URL of the part it names. */
	async html(id: string): Promise<string | undefined> {
		const mail = await this.parse(id);
		if (!mail?.html) return undefined;
		const byCid = new Map<string, number>();
		for (const [index, a] of mail.attachments.entries()) if (a.cid) byCid.set(a.cid.toLowerCase(), index);
		return mail.html.replace(/\bcid:([^"'\s)>]+)/gi, (link, cid: string) => {
			const index = byCid.get(safeDecode(cid).toLowerCase());
			return index === undefined ? link : partUrl(id, index);
		});
	}

	async part(id: string, index: number) {
		const mail = await this.parse(id);
		return mail?.attachments[index];
	}
}

function safeDecode(s: string) {
	try {
		return decodeURIComponent(s);
	} catch {
		return s;
	}
}
