/**
 * The send path's context (send/context.ts) for one HTTP request: the
 * middleware's settings, caller and api_user limiter, the Idempotency-Key
 * record's mark before delivery and the key's identity (which seeds the
 * request's messages), and waitUntil for background work.
 */
import type { Context } from "hono";
import type { SendContext } from "../send/context";
import { background } from "./background";
import { beforeDelivery } from "./idempotency";
import type { AppEnv } from "./types";

export const sendContext = (c: Context<AppEnv>): SendContext => {
	const identity = c.get("idempotency")?.identity;
	return {
		env: c.env,
		config: c.get("config"),
		caller: c.get("caller"),
		limiter: c.get("userLimiter"),
		beforeDelivery: () => beforeDelivery(c),
		background: (work) => background(c, work),
		...(identity ? { idempotency: identity } : {}),
	};
};
