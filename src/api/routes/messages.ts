/**
 * /v1/messages: the caller's own message records — one by ref (with its
 * events), a newest-first page, and cancel (DELETE) while still waiting.
 * Public (browser) keys may not read records.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context, Handler } from "hono";
import { dropSpool } from "../../records/spool";
import { type Cursor, getRecord, listEvents, listRecords, moveStatus } from "../../store/messages";
import { type MessageEvent, type MessageRecord, type MessageStatus, WAITING_STATUSES } from "../../store/types";
import { ApiProblem } from "../problem";
import { afterRecordsWritten } from "../record-events";
import { MessageListSchema, MessageRecordSchema, MessageStatusSchema } from "../schemas";
import type { AppEnv } from "../types";
import { problems, security } from "./common";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A record as the API shows it (no owner, no delivery-only columns). */
export const recordView = (r: MessageRecord, events?: MessageEvent[]) => ({
	ref: r.ref,
	status: r.status,
	messageId: r.messageId,
	relayId: r.relayId,
	from: r.from,
	to: r.to,
	subject: r.subject,
	createdAt: new Date(r.createdAt).toISOString(),
	sendAt: iso(r.sendAt),
	sentAt: iso(r.sentAt),
	attempts: r.attempts,
	lastError: r.lastError ?? null,
	...(events
		? {
				events: events.map((e) => ({
					type: e.type,
					at: new Date(e.at).toISOString(),
					...(e.detail === undefined ? {} : { detail: e.detail }),
				})),
			}
		: {}),
});

/** D1, for a caller allowed to read records. */
function recordsDb(c: Context<AppEnv>): D1Database {
	if (c.get("caller").kind === "public") throw new ApiProblem("forbidden", "public keys cannot read message records");
	const db = c.env.DB;
	if (!db) throw new ApiProblem("config_invalid", "message records need the DB binding");
	return db;
}

const RefParams = z.object({ ref: z.string().openapi({ example: "msg_2f7kq4m6x3b5n7p2r4t6v8y3za" }) });
const readers = [security.bearer, security.webhook];

export const getMessageRoute = createRoute({
	method: "get",
	path: "/v1/messages/{ref}",
	summary: "One message's record and its events",
	security: readers,
	request: { params: RefParams },
	responses: {
		200: { description: "The record", content: { "application/json": { schema: MessageRecordSchema } } },
		...problems(401, 403, 404, 500),
	},
});

const notFound = (ref: string) => new ApiProblem("message_not_found", `no message ${ref} for this caller`);

export const getMessage: Handler<AppEnv> = async (c) => {
	const db = recordsDb(c);
	const ref = c.req.param("ref") ?? "";
	const record = await getRecord(db, ref, c.get("caller").id);
	if (!record) throw notFound(ref);
	return c.json(recordView(record, await listEvents(db, ref)), 200);
};

const MAX_PAGE = 100;

const ListQuery = z.object({
	status: MessageStatusSchema.optional(),
	limit: z.coerce.number().int().min(1).max(MAX_PAGE).optional().openapi({ description: "1–100, default 20" }),
	cursor: z.string().optional().openapi({ description: "The cursor of the previous page" }),
});

export const listMessagesRoute = createRoute({
	method: "get",
	path: "/v1/messages",
	summary: "The caller's messages, newest first",
	security: readers,
	request: { query: ListQuery },
	responses: {
		200: {
			description: "A page of records (without events)",
			content: { "application/json": { schema: MessageListSchema } },
		},
		...problems(400, 401, 403, 500),
	},
});

const encodeCursor = (r: MessageRecord) => `${r.createdAt}.${r.ref}`;

function decodeCursor(cursor: string): Cursor {
	const match = /^(\d{1,16})\.(msg_[a-z2-7]{26})$/.exec(cursor);
	if (!match?.[1] || !match[2]) {
		throw new ApiProblem("validation_failed", "cursor is not one this API gave out", {
			errors: [{ path: "cursor", message: "must be the cursor of a previous page" }],
		});
	}
	return { createdAt: Number(match[1]), ref: match[2] };
}

export const listMessages: Handler<AppEnv> = async (c) => {
	const db = recordsDb(c);
	const query = ListQuery.safeParse(c.req.query());
	if (!query.success) {
		const errors = query.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
		throw new ApiProblem("validation_failed", `invalid query: ${errors.map((e) => e.path).join(", ")}`, { errors });
	}
	const limit = query.data.limit ?? 20;
	const page = await listRecords(db, c.get("caller").id, {
		limit: limit + 1,
		...(query.data.status ? { status: query.data.status as MessageStatus } : {}),
		...(query.data.cursor ? { after: decodeCursor(query.data.cursor) } : {}),
	});
	const shown = page.slice(0, limit);
	const last = shown.at(-1);
	return c.json(
		{ messages: shown.map((r) => recordView(r)), cursor: page.length > limit && last ? encodeCursor(last) : null },
		200,
	);
};

export const cancelMessageRoute = createRoute({
	method: "delete",
	path: "/v1/messages/{ref}",
	summary: "Cancel a queued or scheduled message",
	security: readers,
	request: { params: RefParams },
	responses: {
		200: { description: "Canceled: the record", content: { "application/json": { schema: MessageRecordSchema } } },
		...problems(401, 403, 404, 409, 500),
	},
});

export const cancelMessage: Handler<AppEnv> = async (c) => {
	const db = recordsDb(c);
	const ref = c.req.param("ref") ?? "";
	const record = await getRecord(db, ref, c.get("caller").id);
	if (!record) throw notFound(ref);
	const canceled = await moveStatus(
		db,
		ref,
		WAITING_STATUSES,
		"canceled",
		{ final: true },
		{
			type: "canceled",
			at: Date.now(),
		},
	);
	if (!canceled) {
		const now = (await getRecord(db, ref))?.status ?? record.status;
		throw new ApiProblem(
			"message_not_cancelable",
			`message ${ref} is ${now}: only queued or scheduled messages can be canceled`,
		);
	}
	await dropSpool(c.env.SPOOL, record.spoolKey);
	afterRecordsWritten(c, [ref]); // message.canceled out, like every final status
	const after = await getRecord(db, ref);
	return c.json(recordView(after ?? record, await listEvents(db, ref)), 200);
};
