/**
 * /v1/messages: the caller's own message records — one by ref (with its
 * events), a newest-first page, and cancel (DELETE) while still waiting.
 * Public (browser) keys may not read records.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context, Handler } from "hono";
import { cancelRecord, listRecordsOf, recordOf } from "../../send/records";
import { TagFilterSchema } from "../../send/tags";
import type { Cursor } from "../../store/shard-read";
import type { MessageStatus } from "../../store/types";
import { background } from "../background";
import { MessageListSchema, MessageRecordSchema, MessageStatusSchema } from "../schemas";
import type { AppEnv } from "../types";
import { problems, security } from "./common";
import { allowStore, badCursor, queryOf } from "./store-access";

/** Records are read by their owners, never with a public (browser) key. */
const allowRecords = (c: Context<AppEnv>): void =>
	allowStore(c, {
		allowed: (caller) => caller.kind !== "public",
		refused: "public keys cannot read message records",
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

export const getMessage: Handler<AppEnv> = async (c) => {
	allowRecords(c);
	return c.json(await recordOf(c.env, c.req.param("ref") ?? "", c.get("caller").id), 200);
};

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

/** `<createdAt>.<ref>`: after this record (or, with no ref, before this moment). */
const encodeCursor = (at: Cursor) => `${at.createdAt}.${at.ref}`;

function decodeCursor(cursor: string): Cursor {
	const match = /^(\d{1,16})\.((?:msg_[a-z2-7]{26})?)$/.exec(cursor);
	if (!match?.[1] || match[2] === undefined) throw badCursor("must be the cursor of a previous page");
	return { createdAt: Number(match[1]), ref: match[2] };
}

export const listMessages: Handler<AppEnv> = async (c) => {
	allowRecords(c);
	const query = queryOf(c, ListQuery);
	const page = await listRecordsOf(c.env, c.get("caller").id, {
		limit: query.limit ?? 20,
		...(query.status ? { status: query.status as MessageStatus } : {}),
		...(query.tag ? { tag: query.tag } : {}),
		...(query.cursor ? { before: decodeCursor(query.cursor) } : {}),
	});
	return c.json({ messages: page.records, cursor: page.next ? encodeCursor(page.next) : null }, 200);
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
	allowRecords(c);
	const owner = c.get("caller").id;
	return c.json(await cancelRecord(c.env, c.req.param("ref") ?? "", owner, (work) => background(c, work)), 200);
};
