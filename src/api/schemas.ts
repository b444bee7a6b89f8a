/**
 * The zod schemas of the HTTP API: they validate every request, and
 * /openapi.json is generated from them, so the document cannot drift from
 * what is enforced. Field names follow Cloudflare's `send_email` binding.
 */
import { z } from "@hono/zod-openapi";
import { isContentId } from "../mime";
import { MESSAGE_STATUSES } from "../store/types";
import { normalizeEmail, splitMailbox } from "../util/address";

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

/** The batch body as documented: what BatchEnvelopeSchema plus MessageSchema per item enforce. */
export const BatchSchema = z
	.strictObject({ messages: z.array(MessageSchema).min(1).max(MAX_BATCH) })
	.openapi("BatchRequest");

const RejectedSchema = z.object({
	address: z.string(),
	code: z.union([z.number().int(), z.literal("recipient_suppressed")]).openapi({
		description: "The relay's SMTP reply code, or recipient_suppressed when we refused it before the relay",
	}),
	enhancedCode: z.string().optional(),
	reply: z.string(),
});

export const WarningSchema = z.object({ code: z.string(), path: z.string(), message: z.string() });

export const SentSchema = z
	.object({
		id: z
			.string()
			.openapi({ description: "The relay's id for the accepted mail", example: "1426390015358_15_6484_8661" }),
		messageId: z.string().openapi({ description: "Our Message-ID header", example: "<a1b2c3@example.com>" }),
		accepted: z.array(z.string()),
		rejected: z.array(RejectedSchema),
		warnings: z.array(WarningSchema),
		ref: z.string().optional().openapi({
			description: "The message's record: GET /v1/messages/{ref} (when the DB binding is present)",
			example: "msg_2f7kq4m6x3b5n7p2r4t6v8y3za",
		}),
	})
	.openapi("Sent");

export const MessageStatusSchema = z.enum(MESSAGE_STATUSES).openapi("MessageStatus");

export const AcceptedSchema = z
	.object({
		ref: z.string().openapi({ example: "msg_2f7kq4m6x3b5n7p2r4t6v8y3za" }),
		status: z.enum(["queued", "scheduled"]),
		messageId: z.string().openapi({ description: "Our Message-ID header", example: "<a1b2c3@example.com>" }),
	})
	.openapi("Accepted");

export const MessageRecordSchema = z
	.object({
		ref: z.string(),
		status: MessageStatusSchema,
		messageId: z.string(),
		relayId: z.string().nullable(),
		from: z.string(),
		to: z.array(z.string()),
		subject: z.string(),
		createdAt: z.string().openapi({ description: "RFC 3339" }),
		sendAt: z.string().nullable(),
		sentAt: z.string().nullable(),
		attempts: z.number().int(),
		lastError: z.unknown().nullable().openapi({ description: "The problem that ended it or the last transient one" }),
		events: z.array(z.object({ type: z.string(), at: z.string(), detail: z.unknown().optional() })).optional(),
	})
	.openapi("MessageRecord");

export const MessageListSchema = z
	.object({
		messages: z.array(MessageRecordSchema),
		cursor: z.string().nullable().openapi({ description: "Pass as ?cursor= for the next page; null: no more" }),
	})
	.openapi("MessageList");

export const ProblemSchema = z
	.object({
		type: z.string(),
		title: z.string(),
		status: z.number().int(),
		detail: z.string(),
		code: z.string().openapi({ example: "validation_failed" }),
		errors: z.array(z.object({ path: z.string().openapi({ example: "to[1].email" }), message: z.string() })).optional(),
		smtp: z
			.object({
				stage: z.string(),
				code: z.number().int().optional(),
				enhancedCode: z.string().optional(),
				reply: z.string().optional(),
			})
			.optional(),
		rejected: z.array(RejectedSchema).optional(),
		retryAfter: z.number().int().optional().openapi({ description: "Seconds, as in Retry-After" }),
	})
	.openapi("Problem");

export const BatchResultSchema = z
	.object({
		results: z.array(z.union([SentSchema.extend({ status: z.literal(200) }), AcceptedSchema, ProblemSchema])),
	})
	.openapi("BatchResult");

export const LimitsSchema = z
	.object({
		limit: z.number().int(),
		used: z.number().int(),
		remaining: z.number().int(),
		resetInMs: z.number().int(),
	})
	.openapi("Limits");

export const DryRunSchema = z
	.object({
		dryRun: z.literal(true),
		size: z.number().int().openapi({ description: "Bytes of the encoded message" }),
		envelope: z.object({ from: z.string(), to: z.array(z.string()) }),
		authUser: z
			.string()
			.openapi({ description: "The AUTH user it would use (api_user or api_user#label)", example: "api_user#42" }),
		messageId: z.string(),
		warnings: z.array(WarningSchema),
		mime: z.string().openapi({ description: "The exact bytes that would be sent, as text" }),
	})
	.openapi("DryRun");

export const BatchDryRunSchema = z
	.object({ results: z.array(z.union([DryRunSchema.extend({ status: z.literal(200) }), ProblemSchema])) })
	.openapi("BatchDryRun");

export const HealthSchema = z.object({ ok: z.literal(true) }).openapi("Health");
