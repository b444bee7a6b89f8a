/**
 * The message body the send path validates, as zod schemas: what every door
 * hands to prepareMessage (field names follow Cloudflare's `send_email`
 * binding). They carry OpenAPI metadata (`.openapi()` of @hono/zod-openapi,
 * zod with a registry beside it), so the HTTP door documents exactly what is
 * enforced here (api/schemas.ts).
 */
import { z } from "@hono/zod-openapi";
import { isContentId } from "../mime";
import { normalizeEmail, splitMailbox } from "../util/address";
import { TagsSchema } from "./tags";

export const MAX_RECIPIENTS = 100;
export const MAX_BATCH = 100;

const noLineBreak = /^[^\r\n]*$/;
/** Text, not just JSON: a lone surrogate would silently become U+FFFD when encoded. */
const text = () => z.string().refine((s) => s.isWellFormed(), "is not valid Unicode (it has a lone surrogate)");
const base64 = /^[A-Za-z0-9+/]*={0,2}$/;
const mediaType = /^[\w!#$&^.+-]+\/[\w!#$&^.+-]+(\s*;[^\r\n]*)?$/;
const headerName = /^[!-9;-~]+$/;

/** Set by the composer from the message's own fields (MessageSchema below); a custom header may not override them. */
const reservedHeaders = new Set([
	"from",
	"to",
	"cc",
	"bcc",
	"reply-to",
	"sender",
	"subject",
	"date",
	"message-id",
	"mime-version",
	"content-type",
	"content-transfer-encoding",
	"content-disposition",
	"return-path",
	"received",
]);

/**
 * Read by the relay itself, never delivered: EngageLab (like SendCloud) takes
 * `X-SMTPAPI` as base64 JSON whose `to` replaces the recipients, past every
 * recipient check and permit count of ours.
 */
const relayControlHeaders = new Map([
	["x-smtpapi", "is read by the relay as delivery instructions (it can replace the recipients): refused"],
]);

/** Checks across fields run even when a field is bad, so one answer lists every problem. */
const whenObject = { when: (p: { value: unknown }) => typeof p.value === "object" && p.value !== null };

const emailText = text()
	.max(320)
	.superRefine((email, ctx) => {
		const checked = normalizeEmail(email);
		if ("error" in checked) ctx.addIssue({ code: "custom", message: checked.error });
	});

export const MailboxSchema = z
	.union([
		text()
			.max(1024)
			.regex(noLineBreak, "must be on one line")
			.superRefine((mailbox, ctx) => {
				const checked = normalizeEmail(splitMailbox(mailbox).email);
				if ("error" in checked) ctx.addIssue({ code: "custom", message: checked.error });
			})
			.openapi({
				description: '"addr@example.com" or "Name <addr@example.com>"',
				example: "Support <support@example.com>",
			}),
		z.strictObject({
			email: emailText.openapi({ example: "amy@example.com" }),
			name: text().max(256).regex(noLineBreak, "must be on one line").optional().openapi({ example: "Amy" }),
		}),
	])
	.openapi("Mailbox");

const MailboxesSchema = z.union([MailboxSchema, z.array(MailboxSchema).max(MAX_RECIPIENTS)]);

export const AttachmentSchema = z
	.strictObject({
		filename: text().min(1).max(255).regex(noLineBreak, "must be on one line"),
		type: text().max(255).regex(mediaType, "must be a media type like image/png").optional(),
		disposition: z.enum(["attachment", "inline"]).optional(),
		contentId: z
			.string()
			.min(1)
			.max(250)
			.refine(
				isContentId,
				'must be a Content-ID like part1@example.com or logo: ASCII, no spaces, no "(),:;<>[\\] and no leading, trailing or double dots',
			)
			.optional()
			.openapi({ description: "Referenced from the HTML as cid:<contentId>" }),
		content: z
			.string()
			.regex(base64, "must be base64 (A-Z a-z 0-9 + /, padded with =)")
			// Unpadded, the last group may be 2 or 3 characters; padded, every group is 4. atob throws on anything else.
			.refine(
				(s) => (s.endsWith("=") ? s.length % 4 === 0 : s.length % 4 !== 1),
				"must be base64 (its length is not possible)",
			)
			.optional()
			.openapi({ description: "The bytes, base64 encoded" }),
		url: z
			.string()
			.max(2048)
			.refine((u) => URL.canParse(u) && new URL(u).protocol === "https:", "must be an https:// URL")
			.optional()
			.openapi({ description: "Fetched by the service when sending; the type comes from the response when not given" }),
	})
	.superRefine((a, ctx) => {
		if ((a.content === undefined) === (a.url === undefined)) {
			ctx.addIssue({ code: "custom", path: ["content"], message: "give exactly one of content or url" });
		}
	}, whenObject)
	.openapi("Attachment");

export const LabelIdSchema = z
	.union([
		z.number().int("must be a whole number").min(0).max(Number.MAX_SAFE_INTEGER),
		text().regex(/^\d{1,16}$/, "must be digits only"),
	])
	.openapi({ description: "EngageLab label: the AUTH user becomes api_user#labelId", example: 42 });

const HeadersSchema = z
	.record(text().regex(headerName, "must be a header field name"), text().max(998))
	.superRefine((headers, ctx) => {
		for (const [name, value] of Object.entries(headers)) {
			const relayControl = relayControlHeaders.get(name.toLowerCase());
			if (relayControl) {
				ctx.addIssue({ code: "custom", path: [name], message: relayControl });
			} else if (reservedHeaders.has(name.toLowerCase())) {
				ctx.addIssue({ code: "custom", path: [name], message: "is set from the message fields" });
			} else if (typeof value === "string" && !noLineBreak.test(value)) {
				ctx.addIssue({ code: "custom", path: [name], message: "must be on one line" });
			}
		}
	}, whenObject);

export const MessageSchema = z
	.strictObject({
		from: MailboxSchema,
		to: MailboxesSchema,
		cc: MailboxesSchema.optional(),
		bcc: MailboxesSchema.optional(),
		replyTo: MailboxesSchema.optional(),
		subject: text().max(2000).regex(noLineBreak, "must be on one line"),
		text: text().optional(),
		html: text().optional(),
		attachments: z.array(AttachmentSchema).max(100).optional(),
		headers: HeadersSchema.optional(),
		labelId: LabelIdSchema.optional(),
		tags: TagsSchema.optional(),
		sendAt: z.iso.datetime({ offset: true, error: "must be an RFC 3339 date-time" }).optional().openapi({
			description: "Deliver at this time (up to 30 days ahead): the send is async and answers 202 (status scheduled)",
			example: "2026-12-24T08:00:00Z",
		}),
	})
	.superRefine((m, ctx) => {
		if (m.text === undefined && m.html === undefined) {
			ctx.addIssue({ code: "custom", path: ["text"], message: "give text, html or both" });
		}
		const count = (v: unknown) => (v === undefined ? 0 : Array.isArray(v) ? v.length : 1);
		const total = count(m.to) + count(m.cc) + count(m.bcc);
		if (m.to !== undefined && total === 0) {
			ctx.addIssue({ code: "custom", path: ["to"], message: "give at least one recipient" });
		}
		if (total > MAX_RECIPIENTS) {
			ctx.addIssue({
				code: "custom",
				path: ["to"],
				message: `at most ${MAX_RECIPIENTS} recipients in to, cc and bcc together (got ${total})`,
			});
		}
	}, whenObject)
	.openapi("Message");

export type MessageBody = z.infer<typeof MessageSchema>;

/** What the batch route parses before each message is checked on its own. */
export const BatchEnvelopeSchema = z.strictObject({
	messages: z.array(z.unknown()).min(1).max(MAX_BATCH),
});
