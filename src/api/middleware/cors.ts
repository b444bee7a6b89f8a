/**
 * CORS for public keys only: a preflight is answered for the origins of the
 * key in `?key=` and refused (403) for any other origin, and answers to an
 * allowed origin carry the headers a browser needs to read them. Requests
 * without a public key get no CORS headers at all: API keys and webhooks
 * are for servers.
 */
import type { MiddlewareHandler } from "hono";
import { ProblemError } from "../../send/problem";
import { findPublicKey, originAllowed } from "../auth/public-key";
import type { AppEnv } from "../types";

// No Idempotency-Key: a public key may not use one (auth/public-admission.ts).
const ALLOW_HEADERS = "Content-Type, X-Request-Id";
const EXPOSE_HEADERS = "X-Request-Id, Retry-After, Idempotent-Replayed";

export const publicKeyCors = (): MiddlewareHandler<AppEnv> =>
	async function publicKeyCors(c, next) {
		const key = findPublicKey(c.get("config").publicKeys, c.req.query("key"));
		const origin = c.req.header("Origin");
		if (c.req.method === "OPTIONS") {
			if (!key) throw new ProblemError("unauthorized", "a CORS preflight needs a valid public key in ?key=");
			if (!originAllowed(key, origin))
				throw new ProblemError("forbidden", "this public key may not be used from this origin");
			const method = c.req.header("Access-Control-Request-Method");
			if (method !== "POST") throw new ProblemError("forbidden", "a public key may only POST");
			return c.body(null, 204, {
				"Access-Control-Allow-Origin": origin,
				"Access-Control-Allow-Methods": "POST",
				"Access-Control-Allow-Headers": ALLOW_HEADERS,
				"Access-Control-Max-Age": "600",
				Vary: "Origin",
			});
		}
		await next();
		if (key && originAllowed(key, origin)) {
			c.res.headers.set("Access-Control-Allow-Origin", origin);
			c.res.headers.set("Access-Control-Expose-Headers", EXPOSE_HEADERS);
			c.res.headers.append("Vary", "Origin");
		}
	};
