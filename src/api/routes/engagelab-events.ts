/**
 * POST /v1/events/engagelab: the provider's event callbacks. No API key: the
 * provider signs them (events/engagelab-signature.ts), and we refuse
 * unsigned, badly signed, stale and replayed ones with 401. Each event is
 * filed by events/callback-events.ts: suppressions, the record it belongs to
 * (or held until the record is known), its webhook. The answer is 200 only
 * when every step of every event succeeded, also for a redelivery; anything
 * else is a 500 and the provider's resend completes it (every step is
 * idempotent).
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Handler } from "hono";
import { bindCallbackSignature, fileEvents } from "../../events/callback-events";
import { parseCallback } from "../../events/engagelab-payload";
import { checkCallbackSignature } from "../../events/engagelab-signature";
import { ProblemError } from "../../send/problem";
import { requireStore } from "../../send/store-access";
import type { AppEnv } from "../types";
import { problems } from "./common";

export const engagelabEventsRoute = createRoute({
	method: "post",
	path: "/v1/events/engagelab",
	summary: "EngageLab's email event callbacks (signed with ENGAGELAB_WEBHOOK_KEY)",
	request: {
		headers: z.object({
			"X-WebHook-Timestamp": z.string().openapi({ description: "Provider timestamp (seconds or milliseconds)" }),
			"X-WebHook-AppKey": z.string().optional().openapi({ description: 'Documented as the fixed value "email"' }),
			"X-WebHook-Signature": z
				.string()
				.openapi({ description: "hex HMAC-SHA256(key, timestamp) or md5(timestamp+appKey+key)" }),
		}),
	},
	responses: {
		200: {
			description: "Every event filed (new ones applied or held; a redelivery changes nothing)",
			content: {
				"application/json": {
					schema: z.object({ received: z.number().int(), new: z.number().int(), ignored: z.number().int() }),
				},
			},
		},
		...problems(400, 401, 404, 413, 500),
	},
});

const refusals = {
	unsigned: ["callback_unsigned", "X-WebHook-Timestamp and X-WebHook-Signature are required"],
	bad_signature: ["callback_signature_invalid", "X-WebHook-Signature does not match ENGAGELAB_WEBHOOK_KEY"],
	stale: ["callback_stale", "X-WebHook-Timestamp is more than 5 minutes from now"],
} as const;

export const engagelabEvents: Handler<AppEnv> = async (c) => {
	const config = c.get("config");
	const key = config.events.engagelabKey;
	if (!key) throw new ProblemError("not_found", "provider callbacks are off: ENGAGELAB_WEBHOOK_KEY is not set");
	const store = requireStore(c.env, "provider callbacks");
	const now = Date.now();
	const check = await checkCallbackSignature(c.req.raw.headers, key, now);
	if (!check.ok) {
		const [code, detail] = refusals[check.reason];
		throw new ProblemError(code, detail);
	}
	const raw = new Uint8Array(await c.req.arrayBuffer());
	if ((await bindCallbackSignature(store, check.signature, raw, now)) === "conflict") {
		throw new ProblemError("callback_replayed", "this X-WebHook-Signature was already used with another body: refused");
	}
	let body: unknown;
	try {
		body = JSON.parse(new TextDecoder().decode(raw));
	} catch {
		throw new ProblemError("validation_failed", "the callback body is not JSON", {
			errors: [{ path: "", message: "is not JSON" }],
		});
	}
	const parsed = await parseCallback(body, now);
	if (!parsed.ok) {
		throw new ProblemError("validation_failed", `the callback is not one we understand: ${parsed.error}`, {
			errors: [{ path: "", message: parsed.error }],
		});
	}
	const { fresh } = await fileEvents(store, c.env.SEND_QUEUE, config, parsed.events, now);
	return c.json({ received: parsed.events.length, new: fresh, ignored: parsed.ignored }, 200);
};
