/**
 * RateLimit-Policy and RateLimit (IETF httpapi ratelimit-headers draft) on
 * every authenticated answer of the routes that count against the api_user's
 * limit, 429s included: `"default";q=<limit>;w=60` and
 * `"default";r=<remaining>;t=<seconds until the window is clear>`, the same
 * figures as GET /v1/limits (with the budget split over several objects, an
 * estimate from the ones this request asked). The route's own limiter call
 * supplies them. A 202 (queued: the limiter is the consumer's business) gets
 * RateLimit-Policy alone, for no limiter call; only when another answer's
 * route made none (a 400, a replay, a dry run) or changed the count after it
 * (a cool-down) is one object asked once more.
 * Public (browser) callers get none: the api_user's figures are the operator's
 * business, and their own per-IP and per-key ceilings show in Retry-After.
 */
import type { MiddlewareHandler } from "hono";
import { WINDOW_MS } from "../../limit";
import { type LimitState, userLimiter } from "../../send/limiter";
import type { AppEnv } from "../types";

const POLICY = '"default"';

const policyField = (limit: number) => `${POLICY};q=${limit};w=${WINDOW_MS / 1000}`;

export function rateLimitFields(state: LimitState): { "RateLimit-Policy": string; RateLimit: string } {
	const seconds = Math.max(0, Math.ceil(state.resetInMs / 1000));
	return {
		"RateLimit-Policy": policyField(state.limit),
		RateLimit: `${POLICY};r=${state.remaining};t=${seconds}`,
	};
}

/** `extra`: more fields from the same state (the Resend door's `ratelimit-*`). */
export const rateLimitHeaders = (
	extra: (state: LimitState) => Record<string, string> = () => ({}),
): MiddlewareHandler<AppEnv> =>
	async function rateLimitHeaders(c, next) {
		const limiter = userLimiter(c.env, c.get("config"));
		c.set("userLimiter", limiter);
		await next();
		if (c.get("caller").kind === "public") return;
		if (c.res.status === 202) {
			c.res.headers.set("RateLimit-Policy", policyField(c.get("config").rateLimitPerMinute));
			return;
		}
		const state = limiter.known() ?? (await limiter.estimate());
		const fields = { ...rateLimitFields(state), ...extra(state) };
		for (const [name, value] of Object.entries(fields)) c.res.headers.set(name, value);
	};
