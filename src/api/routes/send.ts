/** POST /v1/send: one message, answered with the relay's id or a problem. */
import { createRoute, z } from "@hono/zod-openapi";
import type { Handler } from "hono";
import { background } from "../background";
import { readJson } from "../body";
import { deliverMessages, observeRelay } from "../delivery";
import { dryRunOf, isDryRun, messageBytes, wantsRawMessage } from "../dry-run";
import { idempotent } from "../idempotency";
import { limitedProblem } from "../limiter";
import { ApiProblem, problemResponse } from "../problem";
import { DryRunSchema, MessageSchema, SentSchema } from "../schemas";
import { type Delivered, prepareMessage, settle } from "../send-path";
import type { AppEnv } from "../types";
import { dryRunQuery, idempotencyHeaders, problems, rateLimitHeaderDocs, security } from "./common";

export const sendRoute = createRoute({
	method: "post",
	path: "/v1/send",
	summary: "Send one message",
	security: [security.bearer, security.webhook, security.publicKey],
	request: {
		headers: idempotencyHeaders,
		query: dryRunQuery,
		body: { required: true, content: { "application/json": { schema: MessageSchema } } },
	},
	responses: {
		200: {
			description:
				"Accepted by the relay; with ?dryRun=true, the message that would be sent (Accept: message/rfc822 for its raw bytes)",
			headers: rateLimitHeaderDocs,
			content: {
				"application/json": { schema: z.union([SentSchema, DryRunSchema]) },
				"message/rfc822": { schema: z.string() },
			},
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
		const prepared = await prepareMessage(await readJson(c), config, caller, c.env.DB);
		const limiter = c.get("userLimiter");
		const grant = await limiter.acquire(1);
		if (!grant.granted) throw ApiProblem.of(limitedProblem(grant.retryAfterMs, "the api_user"));
		const report = await deliverMessages(c.env, config, [{ index: 0, prepared }], (work) => background(c, work));
		const result = report.results.get(0) as Delivered;
		await settle(limiter, grant.at, [result]);
		if (!result.ok) return observeRelay(report, problemResponse(result.problem), c.get("log"));
		c.get("log").relayId = result.sent.id;
		return observeRelay(report, c.json(result.sent, 200), c.get("log"));
	});
