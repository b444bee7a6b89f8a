/**
 * POST /v1/batch: up to 100 messages. Each is checked on its own (a bad one
 * is its own problem result, the rest still go), the good ones are admitted
 * with one acquire, and the answer has one result per message, in order.
 * The sending is the send path's (send/send-batch.ts); here are only HTTP,
 * idempotency and rendering.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Handler } from "hono";
import { dryRunBatch } from "../../send/dry-run";
import { sendBatch } from "../../send/send-batch";
import { acceptedHeaders, prefersAsync } from "../async-send";
import { readJson } from "../body";
import { isDryRun } from "../dry-run";
import { idempotent } from "../idempotency";
import { observeRelay } from "../relay-timing";
import { BatchDryRunSchema, BatchResultSchema, BatchSchema } from "../schemas";
import { sendContext } from "../send-context";
import type { AppEnv } from "../types";
import {
	acceptedHeaderDocs,
	asyncHeaders,
	dryRunQuery,
	idempotencyHeaders,
	problems,
	rateLimitHeaderDocs,
	security,
} from "./common";

export const batchRoute = createRoute({
	method: "post",
	path: "/v1/batch",
	summary: "Send up to 100 messages; one SMTP session per label",
	security: [security.bearer, security.webhook],
	request: {
		headers: idempotencyHeaders.extend(asyncHeaders.shape),
		query: dryRunQuery,
		body: { required: true, content: { "application/json": { schema: BatchSchema } } },
	},
	responses: {
		200: {
			description:
				"One result per message, in request order: {status: 200, id, …} or a problem (with ?dryRun=true, each a dry run or a problem)",
			headers: rateLimitHeaderDocs,
			content: { "application/json": { schema: z.union([BatchResultSchema, BatchDryRunSchema]) } },
		},
		202: {
			description:
				"Prefer: respond-async or a sendAt: one result per message, in order: {ref, status: queued|scheduled, messageId} or a problem",
			headers: acceptedHeaderDocs,
			content: { "application/json": { schema: BatchResultSchema } },
		},
		...problems(400, 401, 403, 409, 413, 415, 422, 429, 500, 502),
	},
});

/** A dry run of each message: one result per message, nothing admitted or sent. */
const batchDry: Handler<AppEnv> = async (c) =>
	c.json({ results: await dryRunBatch(await readJson(c), c.get("config"), c.get("caller")) }, 200);

export const batch: Handler<AppEnv> = (c, next) => (isDryRun(c) ? batchDry(c, next) : batchNow(c, next));

const batchNow: Handler<AppEnv> = (c) =>
	idempotent(c, async () => {
		const outcome = await sendBatch(sendContext(c), await readJson(c), { async: prefersAsync(c) });
		const { results } = outcome;
		if (outcome.kind === "accepted") {
			acceptedHeaders(c);
			return c.json({ results }, 202);
		}
		if (outcome.sent !== undefined) c.get("log").sent = outcome.sent;
		c.get("log").failed = results.filter((r) => r.status !== 200).length;
		return observeRelay(outcome, c.json({ results }, 200), c.get("log"));
	});
