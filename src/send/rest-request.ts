/**
 * A message as the body of EngageLab's `POST /v1/mail/send` (the provider's
 * page "Deliverlies"): every field edgesend has that the JSON API takes, and a
 * clear refusal, naming the field, for what it cannot carry (its limits are
 * tighter than SMTP's: 256 characters of subject, 100 addresses per list, 3
 * reply-to addresses, 10 MB of attachments, 1 KB of headers, an id on every
 * inline part). Pure: the HTTP call is rest-client.ts.
 *
 * What stays the same as over SMTP: one message to all of To/Cc (send_mode 1,
 * the mode the page says cc/bcc need), edgesend's Message-ID (sent as a header:
 * not on the provider's list of refused ones), the label as label_id, and
 * `data:` images in the HTML as inline parts, as the composer makes them.
 */
import { type Address, extensionFor, extractDataImages, guessMediaType, type MessageInput } from "../mime";
import { encodeBase64, hex } from "../util/bytes";
import type { FieldError } from "../util/field-path";

/** The JSON the provider takes, as edgesend fills it. */
export interface EngageLabMail {
	from: string;
	to: string[];
	body: {
		cc?: string[];
		bcc?: string[];
		reply_to?: string[];
		subject: string;
		content: { html?: string; text?: string };
		label_id?: string;
		headers?: Record<string, string>;
		attachments?: EngageLabAttachment[];
		settings: { send_mode: 1; return_email_id: true };
	};
	request_id: string;
}

export interface EngageLabAttachment {
	content: string;
	type: string;
	filename: string;
	disposition: "inline" | "attachment";
	content_id?: string;
}

/** The provider's limits (its page), checked before anything is sent. */
export const REST_LIMITS = {
	addressesPerList: 100,
	replyTo: 3,
	subjectCharacters: 256,
	/** Base64 characters of all attachments together ("10MB"; counted encoded, the stricter reading). */
	attachmentBytes: 10 * 1024 * 1024,
	/** The `headers` object as JSON. */
	headerBytes: 1024,
	requestId: 128,
} as const;

/** Header names the provider refuses (case-insensitive), beyond those edgesend never lets a caller set. */
const REFUSED_HEADERS = new Set(
	[
		"dkim-signature",
		"received",
		"sender",
		"date",
		"from",
		"to",
		"reply-to",
		"cc",
		"bcc",
		"subject",
		"content-type",
		"content-transfer-encoding",
		"x-sendcloud-uuid",
		"x-sendcloud-log",
		"x-sendcloud-log-new",
		"x-remote-web-ip",
		"x-smtpapi",
		"return-path",
	].map((h) => h.toLowerCase()),
);

/** The message cannot go over the REST API as it is: what is wrong, where. */
export class RestUnfit extends Error {
	override readonly name = "RestUnfit";
	constructor(readonly issues: FieldError[]) {
		super(
			`the provider's REST API cannot carry this message: ${issues.map((i) => `${i.path}: ${i.message}`).join("; ")}`,
		);
	}
}

export interface RestRequestOptions {
	/** edgesend's Message-ID, `<…>`, as the record has it. */
	messageId: string;
	/** The EngageLab label (digits). */
	labelId?: string;
	/**
	 * The provider's one-hour de-duplication key: the same for every attempt of
	 * one message (a retry of the same request returns the first result).
	 */
	requestId: string;
}

const encoder = new TextEncoder();

/** `input` as the provider's JSON; throws RestUnfit listing every field it cannot carry. */
export function toEngageLabMail(input: MessageInput, options: RestRequestOptions): EngageLabMail {
	const issues: FieldError[] = [];
	const refuse = (path: string, message: string) => issues.push({ path, message });

	const list = (name: "to" | "cc" | "bcc", addresses: Address[] | undefined, max: number) => {
		if (addresses && addresses.length > max) refuse(name, `at most ${max} addresses on the provider's REST API`);
		return addresses?.map(mailbox);
	};
	const to = list("to", input.to, REST_LIMITS.addressesPerList) ?? [];
	if (!to.length) refuse("to", "the provider's REST API needs at least one To address");
	const cc = list("cc", input.cc, REST_LIMITS.addressesPerList);
	const bcc = list("bcc", input.bcc, REST_LIMITS.addressesPerList);
	if (input.replyTo && input.replyTo.length > REST_LIMITS.replyTo) {
		refuse("replyTo", `at most ${REST_LIMITS.replyTo} addresses on the provider's REST API`);
	}
	if ([...input.subject].length > REST_LIMITS.subjectCharacters) {
		refuse("subject", `at most ${REST_LIMITS.subjectCharacters} characters on the provider's REST API`);
	}

	const attachments: EngageLabAttachment[] = [];
	let html = input.html;
	if (html !== undefined) {
		const domain = input.from.email.slice(input.from.email.lastIndexOf("@") + 1);
		const extracted = extractDataImages(html, () => `${hex(crypto.getRandomValues(new Uint8Array(8)))}@${domain}`);
		html = extracted.html;
		extracted.images.forEach((image, i) => {
			attachments.push({
				content: encodeBase64(image.content),
				type: image.type,
				filename: `image-${i + 1}.${extensionFor(image.type)}`,
				disposition: "inline",
				content_id: image.contentId,
			});
		});
	}
	(input.attachments ?? []).forEach((a, i) => {
		const disposition = a.disposition ?? "attachment";
		const contentId = a.contentId?.replace(/^<(.*)>$/, "$1");
		if (disposition === "inline" && !contentId) {
			refuse(`attachments[${i}].contentId`, "an inline part needs a contentId on the provider's REST API");
		}
		attachments.push({
			content: encodeBase64(a.content),
			type: a.type ?? guessMediaType(a.filename),
			filename: a.filename,
			disposition,
			...(contentId ? { content_id: contentId } : {}),
		});
	});
	const attachmentBytes = attachments.reduce((n, a) => n + a.content.length, 0);
	if (attachmentBytes > REST_LIMITS.attachmentBytes) {
		refuse(
			"attachments",
			`${attachmentBytes} bytes in base64; the provider's REST API takes at most ${REST_LIMITS.attachmentBytes}`,
		);
	}

	const headers: Record<string, string> = {};
	for (const [name, value] of Object.entries(input.headers ?? {})) {
		if (REFUSED_HEADERS.has(name.toLowerCase()) || name.toLowerCase() === "message-id") {
			refuse(`headers["${name}"]`, "the provider's REST API does not take this header");
		} else headers[name] = value;
	}
	headers["Message-ID"] = options.messageId;
	const headerBytes = encoder.encode(JSON.stringify(headers)).length;
	if (headerBytes > REST_LIMITS.headerBytes) {
		refuse(
			"headers",
			`${headerBytes} bytes with the Message-ID; the provider's REST API takes at most ${REST_LIMITS.headerBytes}`,
		);
	}
	if (options.requestId.length > REST_LIMITS.requestId || options.requestId.length === 0) {
		throw new RangeError(`toEngageLabMail: requestId must be 1 to ${REST_LIMITS.requestId} characters`);
	}
	if (issues.length) throw new RestUnfit(issues);

	return {
		from: mailbox(input.from),
		to,
		body: {
			...(cc?.length ? { cc } : {}),
			...(bcc?.length ? { bcc } : {}),
			...(input.replyTo?.length ? { reply_to: input.replyTo.map(mailbox) } : {}),
			subject: input.subject,
			content: { ...(html === undefined ? {} : { html }), ...(input.text === undefined ? {} : { text: input.text }) },
			...(options.labelId === undefined ? {} : { label_id: options.labelId }),
			headers,
			...(attachments.length ? { attachments } : {}),
			settings: { send_mode: 1, return_email_id: true },
		},
		request_id: options.requestId,
	};
}

/**
 * `addr` or `Name <addr>` as the provider's examples write them. A name with
 * characters that mean something in an address list is quoted (RFC 5322
 * quoted-string), so `Doe, Jane` stays one name.
 */
export function mailbox(address: Address): string {
	const name = address.name?.trim();
	if (!name) return address.email;
	const plain = /^[^"\\,;:<>@()[\]]+$/.test(name);
	return `${plain ? name : `"${name.replace(/(["\\])/g, "\\$1")}"`} <${address.email}>`;
}
