/** POST /v1/send: one message, answered with the relay's id or a problem. */
import { createRoute } from "@hono/zod-openapi";
import type { Handler } from "hono";
import { SmtpSession } from "../../smtp";
import { background } from "../background";
import { readJson } from "../body";
import { idempotent } from "../idempotency";
import { limitedProblem, userLimiter } from "../limiter";
import { ApiProblem, problemResponse } from "../problem";
import { MessageSchema, SentSchema } from "../schemas";
import { type Delivered, deliver, failure, prepareMessage, settle, smtpConfigFor } from "../send-path";
import type { AppEnv } from "../types";
import { idempotencyHeaders, problems, security } from "./common";

export const sendRoute = createRoute({
	method: "post",
	path: "/v1/send",
	summary: "Send one message",
	security: [security.bearer, security.webhook, security.publicKey],
	request: {
		headers: idempotencyHeaders,
		body: { required: true, content: { "application/json": { schema: MessageSchema } } },
	},
	responses: {
		200: { description: "Accepted by the relay", content: { "application/json": { schema: SentSchema } } },
		...problems(400, 401, 403, 409, 413, 415, 422, 429, 500, 502, 503, 504),
	},
});

export const send: Handler<AppEnv> = (c) =>
	idempotent(c, async () => {
		const config = c.get("config");
		const caller = c.get("caller");
		const prepared = await prepareMessage(await readJson(c), config, caller);
		const limiter = userLimiter(c.env, config);
		const grant = await limiter.acquire(1);
		if (!grant.granted) throw ApiProblem.of(limitedProblem(grant.retryAfterMs, "the api_user"));
		let result: Delivered;
		let session: SmtpSession | undefined;
		try {
			session = await SmtpSession.open(smtpConfigFor(config, prepared.labelId));
			result = await deliver(session, prepared);
		} catch (error) {
			result = failure(error);
		} finally {
			if (session) background(c, session.close());
		}
		await settle(limiter, grant.at, [result]);
		if (!result.ok) return problemResponse(result.problem);
		c.get("log").relayId = result.sent.id;
		return c.json(result.sent, 200);
	});
