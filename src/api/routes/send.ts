/**
 * POST /v1/send: one message, answered with the relay's id or a problem (or
 * 202 for a message accepted for later). The sending is the send path's
 * (send/send-message.ts); here are only HTTP, idempotency and rendering.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Handler } from "hono";
import { dryRunOf, messageBytes } from "../../send/dry-run";
import { MessageSchema } from "../../send/message-schema";
import { prepareMessage } from "../../send/prepare";
import { sendMessage } from "../../send/send-message";
import { acceptedHeaders, locationOf, prefersAsync } from "../async-send";
import { readJson } from "../body";
import { isDryRun, wantsRawMessage } from "../dry-run";
import { idempotent } from "../idempotency";
import { problemResponse } from "../problem-response";
import { observeRelay } from "../relay-timing";
import { AcceptedSchema, DryRunSchema, SentSchema } from "../schemas";
import { sendContext } from "../send-context";
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
		const outcome = await sendMessage(sendContext(c), () => readJson(c), { async: prefersAsync(c) });
		if (outcome.kind === "accepted") {
			acceptedHeaders(c, outcome.accepted.ref);
			return c.json(outcome.accepted, 202);
		}
		const { delivered, ref } = outcome;
		if (!delivered.ok) {
			const answer = problemResponse(delivered.problem);
			if (ref) answer.headers.set("Location", locationOf(ref));
			return observeRelay(outcome, answer, c.get("log"));
		}
		c.get("log").relayId = delivered.sent.id;
		if (ref) c.header("Location", locationOf(ref));
		return observeRelay(outcome, c.json({ ...delivered.sent, ...(ref ? { ref } : {}) }, 200), c.get("log"));
	});
