/**
 * A validated request body → the composer's MessageInput: mailboxes split and
 * normalized, base64 decoded, `url` attachments fetched. Also lists where each
 * address sits, for checks that must name the field (public-key recipients,
 * SMTPUTF8).
 */
import type { AttachmentInput, MessageInput } from "../mime";
import type { Addresses, Tag } from "../store/types";
import { type Mailbox, needsSmtpUtf8, normalizeEmail, splitMailbox } from "../util/address";
import { decodeBase64 } from "../util/bytes";
import { formatPath, type PathSegment } from "../util/field-path";
import type { MessageBody } from "./message-schema";
import { type FetchBudget, fetchAttachment } from "./url-attachment";

type MailboxField = MessageBody["from"];
type MailboxesField = MailboxField | MailboxField[];

interface Located {
	path: string;
	mailbox: Mailbox;
}

function locate(field: string, value: MailboxesField | undefined): Located[] {
	if (value === undefined) return [];
	const one = (v: MailboxField, at: PathSegment[]): Located => {
		const raw = typeof v === "string" ? splitMailbox(v) : v;
		const checked = normalizeEmail(raw.email);
		const email = "email" in checked ? checked.email : raw.email;
		return {
			path: formatPath(typeof v === "string" ? at : [...at, "email"]),
			mailbox: raw.name ? { email, name: raw.name } : { email },
		};
	};
	return Array.isArray(value) ? value.map((v, i) => one(v, [field, i])) : [one(value, [field])];
}

const mailboxes = (value: MailboxesField | undefined): Mailbox[] => locate("", value).map((l) => l.mailbox);

/** to, cc and bcc, each with its path. */
export const recipientsOf = (body: MessageBody): { path: string; email: string }[] =>
	[...locate("to", body.to), ...locate("cc", body.cc), ...locate("bcc", body.bcc)].map((l) => ({
		path: l.path,
		email: l.mailbox.email,
	}));

/** Paths of the addresses that need the relay's SMTPUTF8 (a UTF-8 local part). */
export const utf8AddressPaths = (body: Pick<MessageBody, "from" | "to" | "cc" | "bcc" | "replyTo">): string[] =>
	[
		...locate("from", body.from),
		...locate("to", body.to),
		...locate("cc", body.cc),
		...locate("bcc", body.bcc),
		...locate("replyTo", body.replyTo),
	]
		.filter((l) => needsSmtpUtf8(l.mailbox.email))
		.map((l) => l.path);

/**
 * Decodes and fetches the attachments. Fetched bytes count against
 * `budgetBytes` (what is left of MAX_MESSAGE_BYTES, or of a batch's total),
 * and every fetch against the request's `fetches`: a failed or oversized
 * fetch is a problem naming the attachment.
 */
export async function resolveAttachments(
	body: MessageBody,
	budgetBytes: number,
	fetches: FetchBudget,
): Promise<AttachmentInput[]> {
	const out: AttachmentInput[] = [];
	let budget = budgetBytes;
	for (const [index, a] of (body.attachments ?? []).entries()) {
		let content: Uint8Array;
		let type = a.type;
		if (a.content !== undefined) {
			// The schema lets through only base64 that decodes.
			content = decodeBase64(a.content) as Uint8Array;
		} else {
			const fetched = await fetchAttachment(a.url as string, {
				index,
				filename: a.filename,
				maxBytes: budget,
				budget: fetches,
			});
			content = fetched.bytes;
			type ??= fetched.type;
		}
		budget -= content.length;
		out.push({
			filename: a.filename,
			content,
			...(type ? { type } : {}),
			...(a.disposition ? { disposition: a.disposition } : {}),
			...(a.contentId ? { contentId: a.contentId } : {}),
		});
	}
	return out;
}

/** `Name <addr>` (the name quoted when it holds a character that would split it), or the bare address. */
const mailboxText = (m: Mailbox): string =>
	m.name === undefined ? m.email : `${/[",<>()@:;[\]\\]/.test(m.name) ? JSON.stringify(m.name) : m.name} <${m.email}>`;

/** The addresses as the caller wrote them, normalized, for the record. */
export const addressesOf = (body: MessageBody): Addresses => ({
	from: mailboxText(mailboxes(body.from)[0]),
	to: mailboxes(body.to).map(mailboxText),
	cc: mailboxes(body.cc).map(mailboxText),
	bcc: mailboxes(body.bcc).map(mailboxText),
	replyTo: mailboxes(body.replyTo).map(mailboxText),
});

/** The TAGS_HEADER value: `name=value` pairs (tag characters need no quoting), `; ` between them. */
export const tagsHeaderValue = (tags: readonly Tag[]): string => tags.map((t) => `${t.name}=${t.value}`).join("; ");

/** The composer's input; with `tagsHeader`, the tags go to the relay in that header. */
export function toMessageInput(body: MessageBody, attachments: AttachmentInput[], tagsHeader?: string): MessageInput {
	const tags = tagsHeader && body.tags?.length ? { [tagsHeader]: tagsHeaderValue(body.tags) } : {};
	const headers = { ...body.headers, ...tags };
	const [from] = mailboxes(body.from);
	return {
		from,
		to: mailboxes(body.to),
		subject: body.subject,
		...(body.cc ? { cc: mailboxes(body.cc) } : {}),
		...(body.bcc ? { bcc: mailboxes(body.bcc) } : {}),
		...(body.replyTo ? { replyTo: mailboxes(body.replyTo) } : {}),
		...(body.text !== undefined ? { text: body.text } : {}),
		...(body.html !== undefined ? { html: body.html } : {}),
		...(attachments.length ? { attachments } : {}),
		...(Object.keys(headers).length ? { headers } : {}),
	};
}
