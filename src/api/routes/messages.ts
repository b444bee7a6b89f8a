/**
 * /v1/messages: the caller's own message records — one by ref (with its
 * events), a newest-first page, and cancel (DELETE) while still waiting.
 * Public (browser) keys may not read records.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context, Handler } from "hono";
import { recordView } from "../../send/record-view";
import { cancelRecord, recordOf } from "../../send/records";
import { TagFilterSchema } from "../../send/tags";
import { type Cursor, listRecords } from "../../store/messages";
import type { MessageRecord, MessageStatus } from "../../store/types";
import { background } from "../background";
import { MessageListSchema, MessageRecordSchema, MessageStatusSchema } from "../schemas";
import type { AppEnv } from "../types";
import { problems, security } from "./common";
import { badCursor, queryOf, storeFor } from "./store-access";

/** Records are read by their owners, never with a public (browser) key. */
const recordsDb = (c: Context<AppEnv>): D1Database =>
	storeFor(c, {
		allowed: (caller) => caller.kind !== "public",
		refused: "public keys cannot read message records",
		unbound: "message records need the DB binding",
	});

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

export const getMessage: Handler<AppEnv> = async (c) =>
	c.json(await recordOf(recordsDb(c), c.req.param("ref") ?? "", c.get("caller").id), 200);

const MAX_PAGE = 100;

const ListQuery = z.object({
	status: MessageStatusSchema.optional(),
	limit: z.coerce.number().int().min(1).max(MAX_PAGE).optional().openapi({ description: "1–100, default 20" }),
	cursor: z.string().optional().openapi({ description: "The cursor of the previous page" }),
	tag: TagFilterSchema.optional(),
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
	if (!match?.[1] || !match[2]) throw badCursor("must be the cursor of a previous page");
	return { createdAt: Number(match[1]), ref: match[2] };
}

export const listMessages: Handler<AppEnv> = async (c) => {
	const db = recordsDb(c);
	const query = queryOf(c, ListQuery);
	const limit = query.limit ?? 20;
	const page = await listRecords(db, c.get("caller").id, {
		limit: limit + 1,
		...(query.status ? { status: query.status as MessageStatus } : {}),
		...(query.tag ? { tag: query.tag } : {}),
		...(query.cursor ? { after: decodeCursor(query.cursor) } : {}),
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
	const context = {
		db: recordsDb(c),
		spool: c.env.SPOOL,
		queue: c.env.SEND_QUEUE,
		events: c.get("config").events,
		background: (work: Promise<unknown>) => background(c, work),
	};
	return c.json(await cancelRecord(context, c.req.param("ref") ?? "", c.get("caller").id), 200);
};
