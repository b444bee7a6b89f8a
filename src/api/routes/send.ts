/** POST /v1/send: one message, answered with the relay's id or a problem. */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context, Handler } from "hono";
import { syncRecord, writeSyncRecords } from "../../records/sync-record";
import {
	accept,
	acceptedHeaders,
	asyncBindings,
	backlogFull,
	backlogRoom,
	locationOf,
	prefersAsync,
	refusePublicAsync,
	senderOf,
} from "../async-send";
import { background } from "../background";
import { readJson } from "../body";
import { deliverMessages, observeRelay } from "../delivery";
import { dryRunOf, isDryRun, messageBytes, wantsRawMessage } from "../dry-run";
import { beforeDelivery, idempotent } from "../idempotency";
import { limitedProblem } from "../limiter";
import { ApiProblem, problemResponse } from "../problem";
import { afterRecordsWritten } from "../record-events";
import { AcceptedSchema, DryRunSchema, MessageSchema, SentSchema } from "../schemas";
import { type Delivered, type Prepared, prepareMessage, settle } from "../send-path";
import type { AppEnv } from "../types";
import {
	acceptedHeaderDocs,
	asyncHeaders,
	dryRunQuery,
	idempotencyHeaders,
	locationHeaderDoc,
	problems,
	rateLimitHeaderDocs,
	security,
} from "./common";

export const sendRoute = createRoute({
	method: "post",
	path: "/v1/send",
	summary: "Send one message",
	security: [security.bearer, security.webhook, security.publicKey],
	request: {
		headers: idempotencyHeaders.extend(asyncHeaders.shape),
		query: dryRunQuery,
		body: { required: true, content: { "application/json": { schema: MessageSchema } } },
	},
	responses: {
		200: {
			description:
				"Accepted by the relay; with ?dryRun=true, the message that would be sent (Accept: message/rfc822 for its raw bytes)",
			headers: { ...rateLimitHeaderDocs, ...locationHeaderDoc },
			content: {
				"application/json": { schema: z.union([SentSchema, DryRunSchema]) },
				"message/rfc822": { schema: z.string() },
			},
		},
		202: {
			description:
				"Prefer: respond-async or sendAt: accepted for delivery through the queue (status queued or scheduled)",
			headers: acceptedHeaderDocs,
			content: { "application/json": { schema: AcceptedSchema } },
		},
		...problems(400, 401, 403, 409, 413, 415, 422, 429, 500, 502, 503, 504),
	},
});

/** A dry run: the composed message, as JSON or (Accept: message/rfc822) as itself. */
const sendDry: Handler<AppEnv> = async (c) => {
	const prepared = await prepareMessage(await readJson(c), c.get("config"), c.get("caller"));
	if (wantsRawMessage(c)) {
		return c.body(new Uint8Array(await messageBytes(prepared)), 200, { "Content-Type": "message/rfc822" });
	}
	return c.json(await dryRunOf(prepared, c.get("config")), 200);
};

export const send: Handler<AppEnv> = (c, next) => (isDryRun(c) ? sendDry(c, next) : sendNow(c, next));

const sendNow: Handler<AppEnv> = (c) =>
	idempotent(c, async () => {
		const config = c.get("config");
		const caller = c.get("caller");
		if (prefersAsync(c)) refusePublicAsync(c);
		const prepared = await prepareMessage(await readJson(c), config, caller, c.env.DB);
		if (prefersAsync(c) || prepared.body.sendAt !== undefined) return sendLater(c, prepared);
		const limiter = c.get("userLimiter");
		const grant = await limiter.acquire(1);
		if (!grant.granted) throw ApiProblem.of(limitedProblem(grant.retryAfterMs, "the api_user"));
		await beforeDelivery(c);
		const report = await deliverMessages(c.env, config, [{ index: 0, prepared }], (work) => background(c, work));
		const result = report.results.get(0) as Delivered;
		await settle(limiter, grant.at, [result]);
		const ref = await recordSyncSend(c, prepared, result);
		if (!result.ok) {
			const answer = problemResponse(result.problem);
			if (ref) answer.headers.set("Location", locationOf(ref));
			return observeRelay(report, answer, c.get("log"));
		}
		c.get("log").relayId = result.sent.id;
		if (ref) c.header("Location", locationOf(ref));
		return observeRelay(report, c.json({ ...result.sent, ...(ref ? { ref } : {}) }, 200), c.get("log"));
	});

/** Async: validated and composed, then queued (202) — never delivered here. */
async function sendLater(c: Context<AppEnv>, prepared: Prepared): Promise<Response> {
	refusePublicAsync(c);
	const env = asyncBindings(c);
	if ((await backlogRoom(c, env.DB, 1)) < 1) throw ApiProblem.of(backlogFull());
	const accepted = await accept(c, env, prepared, Date.now());
	acceptedHeaders(c, accepted.ref);
	return c.json(accepted, 202);
}

/** The record of a sync send (when D1 is bound); its ref. */
async function recordSyncSend(c: Context<AppEnv>, prepared: Prepared, result: Delivered): Promise<string | undefined> {
	const db = c.env.DB;
	if (!db) return undefined;
	const written = syncRecord(db, senderOf(c), prepared, result, Date.now());
	await writeSyncRecords(db, [written]);
	afterRecordsWritten(c, [written.ref]);
	return written.ref;
}
