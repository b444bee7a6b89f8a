/**
 * Resend's routes over sent emails: `GET /emails/{id}`, `GET /emails`
 * (newest first, `after`/`before` an id, and our `tag=name:value`),
 * `PATCH /emails/{id}` (a new `scheduled_at`) and `POST /emails/{id}/cancel`:
 * the caller's own message records, read and changed by the functions
 * /v1/messages uses, shown in Resend's shape (email-view.ts).
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context, Handler } from "hono";
import { ProblemError } from "../../send/problem";
import { cancelRecord, pageOf, rescheduleRecord, storedRecordOf } from "../../send/records";
import { TagFilterSchema } from "../../send/tags";
import type { Cursor } from "../../store/shard-read";
import { background } from "../background";
import { readJson } from "../body";
import { security } from "../routes/common";
import { queryOf } from "../routes/store-access";
import type { AppEnv } from "../types";
import { resendProblems } from "./door";
import { emailListItem, emailView, LAST_EVENTS } from "./email-view";
import { parseScheduledAt } from "./scheduled-at";

const owner = (c: Context<AppEnv>) => c.get("caller").id;

const IdParams = z.object({ id: z.string().openapi({ example: "msg_2f7kq4m6x3b5n7p2r4t6v8y3za" }) });
const EmailRefSchema = z.object({ object: z.literal("email"), id: z.string() }).openapi("ResendEmailRef");

const listItemShape = {
	id: z.string(),
	message_id: z.string(),
	to: z.array(z.string()),
	from: z.string(),
	created_at: z.string(),
	subject: z.string(),
	bcc: z.array(z.string()).nullable(),
	cc: z.array(z.string()).nullable(),
	reply_to: z.array(z.string()).nullable(),
	last_event: z.enum(LAST_EVENTS),
	scheduled_at: z.string().nullable(),
};
const EmailSchema = z
	.object({
		object: z.literal("email"),
		...listItemShape,
		html: z.null().openapi({ description: "edgesend keeps no message bodies" }),
		text: z.null(),
		tags: z.array(z.object({ name: z.string(), value: z.string() })),
	})
	.openapi("ResendEmail");

export const getEmailRoute = createRoute({
	method: "get",
	path: "/emails/{id}",
	operationId: "resendGetEmail",
	tags: ["Resend"],
	summary: "One email (Resend's API)",
	security: [security.bearer],
	request: { params: IdParams },
	responses: {
		200: { description: "The email", content: { "application/json": { schema: EmailSchema } } },
		...resendProblems(401, 403, 404, 500),
	},
});

const notFound = (id: string) => new ProblemError("message_not_found", `no email ${id} for this key`);

export const getEmail: Handler<AppEnv> = async (c) => {
	const id = c.req.param("id") ?? "";
	const record = await storedRecordOf(c.env, id, owner(c));
	if (!record) throw notFound(id);
	return c.json(emailView(record), 200);
};

const ListQuery = z.object({
	limit: z.coerce.number().int().min(1).max(100).optional().openapi({ description: "1–100, default 20" }),
	after: z.string().optional().openapi({ description: "An email's id: the page of older emails after it" }),
	before: z.string().optional().openapi({ description: "An email's id: the page of newer emails before it" }),
	tag: TagFilterSchema.optional(),
});

export const listEmailsRoute = createRoute({
	method: "get",
	path: "/emails",
	operationId: "resendListEmails",
	tags: ["Resend"],
	summary: "The key's emails, newest first (Resend's API)",
	security: [security.bearer],
	request: { query: ListQuery },
	responses: {
		200: {
			description: "A page",
			content: {
				"application/json": {
					schema: z
						.object({ object: z.literal("list"), has_more: z.boolean(), data: z.array(z.object(listItemShape)) })
						.openapi("ResendEmailList"),
				},
			},
		},
		...resendProblems(400, 401, 403, 500),
	},
});

/** The record an `after`/`before` id names, as a cursor; a 400 naming the parameter when there is none. */
async function cursorOf(c: Context<AppEnv>, parameter: "after" | "before", id: string): Promise<Cursor> {
	const record = await storedRecordOf(c.env, id, owner(c));
	if (record) return { createdAt: record.createdAt, ref: record.ref };
	throw new ProblemError("validation_failed", `${parameter} names no email of this key`, {
		errors: [{ path: parameter, message: "must be the id of one of your emails" }],
	});
}

export const listEmails: Handler<AppEnv> = async (c) => {
	const query = queryOf(c, ListQuery);
	if (query.after && query.before) {
		throw new ProblemError("validation_failed", "give after or before, not both", {
			errors: [{ path: "before", message: "cannot be used with after" }],
		});
	}
	// Resend's `after` is the page of older emails (our `before` a cursor), its `before` the newer ones.
	const page = await pageOf(c.env, owner(c), {
		limit: query.limit ?? 20,
		...(query.tag ? { tag: query.tag } : {}),
		...(query.after ? { before: await cursorOf(c, "after", query.after) } : {}),
		...(query.before ? { after: await cursorOf(c, "before", query.before) } : {}),
	});
	return c.json({ object: "list", has_more: page.more, data: page.records.map(emailListItem) }, 200);
};

export const updateEmailRoute = createRoute({
	method: "patch",
	path: "/emails/{id}",
	operationId: "resendUpdateEmail",
	tags: ["Resend"],
	summary: "Move a scheduled email (Resend's API)",
	security: [security.bearer],
	request: {
		params: IdParams,
		body: {
			required: true,
			content: {
				"application/json": {
					schema: z
						.strictObject({
							scheduled_at: z.string().openapi({ description: 'ISO 8601 or English ("in 1 hour"); ≤ 30 days' }),
						})
						.openapi("ResendEmailUpdate"),
				},
			},
		},
	},
	responses: {
		200: { description: "Rescheduled", content: { "application/json": { schema: EmailRefSchema } } },
		...resendProblems(400, 401, 403, 404, 422, 500),
	},
});

export const updateEmail: Handler<AppEnv> = async (c) => {
	const id = c.req.param("id") ?? "";
	const body = (await readJson(c)) as { scheduled_at?: unknown } | null;
	const raw = typeof body === "object" && body !== null ? body.scheduled_at : undefined;
	const now = Date.now();
	const when = typeof raw === "string" ? parseScheduledAt(raw, now) : { ok: false as const, message: "is required" };
	if (!when.ok) {
		throw new ProblemError("validation_failed", `scheduled_at ${when.message}`, {
			errors: [{ path: "scheduled_at", message: when.message }],
		});
	}
	await rescheduleRecord(c.env, id, owner(c), when.at, now);
	return c.json({ object: "email", id }, 200);
};

export const cancelEmailRoute = createRoute({
	method: "post",
	path: "/emails/{id}/cancel",
	operationId: "resendCancelEmail",
	tags: ["Resend"],
	summary: "Cancel a scheduled email (Resend's API)",
	security: [security.bearer],
	request: { params: IdParams },
	responses: {
		200: { description: "Canceled", content: { "application/json": { schema: EmailRefSchema } } },
		...resendProblems(401, 403, 404, 422, 500),
	},
});

export const cancelEmail: Handler<AppEnv> = async (c) => {
	const id = c.req.param("id") ?? "";
	await cancelRecord(c.env, id, owner(c), (work) => background(c, work));
	return c.json({ object: "email", id }, 200);
};
