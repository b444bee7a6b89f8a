/**
 * Resend's email body (`POST /emails`, each item of `/emails/batch`) → the
 * body /v1/send takes. Only the shape and the names are handled here: every
 * rule about the content (addresses, headers, attachments, tags, sizes) is
 * MessageSchema's, run by the send path on what this returns, and its field
 * errors come back in Resend's names through `resendPath`. What edgesend does
 * not have (templates, topics) is refused by name rather than ignored.
 */
import { z } from "@hono/zod-openapi";
import { LabelIdSchema } from "../../send/message-schema";
import { TagsSchema } from "../../send/tags";
import { type FieldError, fieldErrors } from "../../util/field-path";
import { parseScheduledAt } from "./scheduled-at";

const addresses = () =>
	z.union([z.string(), z.array(z.string())]).openapi({ description: '"addr" or "Name <addr>", or a list of them' });

export const ResendAttachmentSchema = z
	.strictObject({
		content: z.string().optional().openapi({ description: "The bytes, base64" }),
		filename: z.union([z.string(), z.literal(false)]).optional(),
		path: z.string().optional().openapi({ description: "An https:// URL fetched when sending" }),
		content_type: z.string().optional().openapi({ description: "Absent: from the filename" }),
		content_id: z.string().optional().openapi({ description: "Makes the part inline, shown by cid:<content_id>" }),
	})
	.openapi("ResendAttachment");

export const ResendEmailSchema = z
	.strictObject({
		from: z.string().openapi({ example: "Acme <onboarding@example.com>" }),
		to: addresses(),
		subject: z.string(),
		cc: addresses().optional(),
		bcc: addresses().optional(),
		reply_to: addresses().optional(),
		html: z.string().optional(),
		text: z.string().optional().openapi({ description: '"" (or absent, with html): no text part' }),
		headers: z.record(z.string(), z.string()).optional(),
		attachments: z.array(ResendAttachmentSchema).optional().openapi({ description: "Also in a batch" }),
		tags: TagsSchema.optional(),
		scheduled_at: z.string().optional().openapi({
			description:
				'ISO 8601, or English like "in 1 hour", "tomorrow at 9am", "Friday at 3pm ET" (UTC unless named); ≤ 30 days',
		}),
		labelId: LabelIdSchema.optional(),
	})
	.openapi("ResendEmail");

export type ResendEmail = z.infer<typeof ResendEmailSchema>;

/** Resend fields edgesend does not have, with what the caller is told. */
const unsupported: Record<string, string> = {
	template: "is not supported: edgesend has no templates; send html or text",
	topic_id: "is not supported: edgesend has no topics",
	react: "is rendered by the Node SDK into html; send html",
};

/** Which of Resend's names a refused body gets: a required field absent, an attachment with nothing in it, or else. */
export type RefusalName = "missing_required_field" | "invalid_attachment" | "validation_error";

export type Converted =
	| { ok: true; body: Record<string, unknown>; sendAt?: number }
	| { ok: false; errors: FieldError[]; name: RefusalName };

const dropNulls = (o: Record<string, unknown>) =>
	Object.fromEntries(Object.entries(o).filter(([, v]) => v !== null && v !== undefined));

/** The last segment of a URL's path: Resend names a `path` attachment by it when no filename is given. */
function lastSegment(url: string): string {
	try {
		return decodeURIComponent(new URL(url).pathname.split("/").pop() ?? "");
	} catch {
		return "";
	}
}

/** The attachment as /v1/send takes it; without a filename, /v1/send's rules say it is required. */
function attachmentOf(a: z.infer<typeof ResendAttachmentSchema>) {
	const filename = typeof a.filename === "string" && a.filename ? a.filename : a.path ? lastSegment(a.path) : "";
	return dropNulls({
		filename: filename || undefined,
		content: a.content,
		url: a.path,
		type: a.content_type,
		contentId: a.content_id,
		disposition: a.content_id === undefined ? undefined : "inline",
	});
}

const absent = (v: unknown) => v === undefined || v === null || v === "" || v === false;

/** What the door itself refuses, before the shape: required fields absent, fields we lack, empty attachments. */
function doorRefusal(raw: Record<string, unknown>): Extract<Converted, { ok: false }> | undefined {
	const required = ["from", "to", "subject"].filter((field) => absent(raw[field]));
	const attachments = (Array.isArray(raw.attachments) ? raw.attachments : []).map((a) =>
		typeof a === "object" && a !== null ? (a as Record<string, unknown>) : {},
	);
	const unnamed = attachments.flatMap((a, i) =>
		absent(a.filename) && absent(a.path) ? [{ path: `attachments[${i}].filename`, message: "is required" }] : [],
	);
	if (required.length || unnamed.length) {
		return {
			ok: false,
			name: "missing_required_field",
			errors: [...required.map((path) => ({ path, message: "is required" })), ...unnamed],
		};
	}
	const empty = attachments.flatMap((a, i) =>
		absent(a.content) && absent(a.path)
			? [{ path: `attachments[${i}]`, message: "must have a content or a path" }]
			: [],
	);
	if (empty.length) return { ok: false, name: "invalid_attachment", errors: empty };
	const refused = Object.keys(unsupported).filter((field) => raw[field] !== undefined);
	if (refused.length) {
		return {
			ok: false,
			name: "validation_error",
			errors: refused.map((path) => ({ path, message: unsupported[path] })),
		};
	}
	return undefined;
}

/** Resend's body → ours, `scheduled_at` read against `nowMs`; or the errors in Resend's names. */
export function fromResendEmail(input: unknown, nowMs: number): Converted {
	if (typeof input !== "object" || input === null || Array.isArray(input)) {
		return { ok: false, name: "validation_error", errors: [{ path: "", message: "must be a JSON object" }] };
	}
	const raw = dropNulls(input as Record<string, unknown>);
	const refusal = doorRefusal(raw);
	if (refusal) return refusal;
	const shaped = ResendEmailSchema.safeParse(raw);
	if (!shaped.success) return { ok: false, name: "validation_error", errors: fieldErrors(shaped.error.issues) };
	const r = shaped.data;
	let sendAt: number | undefined;
	if (r.scheduled_at !== undefined) {
		const when = parseScheduledAt(r.scheduled_at, nowMs);
		if (!when.ok)
			return { ok: false, name: "validation_error", errors: [{ path: "scheduled_at", message: when.message }] };
		sendAt = when.at;
	}
	const body = dropNulls({
		from: r.from,
		to: r.to,
		cc: r.cc,
		bcc: r.bcc,
		replyTo: r.reply_to,
		subject: r.subject,
		html: r.html,
		// Resend's "" means "no text version"; with no html the send path still says to give one.
		text: r.text === "" && r.html !== undefined ? undefined : r.text,
		headers: r.headers,
		attachments: r.attachments?.map(attachmentOf),
		tags: r.tags,
		labelId: r.labelId,
		sendAt: sendAt === undefined ? undefined : new Date(sendAt).toISOString(),
	});
	return sendAt === undefined ? { ok: true, body } : { ok: true, body, sendAt };
}

/** Our field names, as the Resend caller wrote them. */
const renames: [RegExp, string][] = [
	[/^replyTo\b/, "reply_to"],
	[/^sendAt\b/, "scheduled_at"],
	[/^(attachments\[\d+\])\.url\b/, "$1.path"],
	[/^(attachments\[\d+\])\.type\b/, "$1.content_type"],
	[/^(attachments\[\d+\])\.(contentId|disposition)\b/, "$1.content_id"],
];

/** An error path of /v1/send's validation in Resend's names (`replyTo[1]` → `reply_to[1]`). */
export const resendPath = (path: string): string =>
	renames.reduce((p, [pattern, replacement]) => p.replace(pattern, replacement), path);
