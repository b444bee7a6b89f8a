/**
 * The API's handle on the RateLimiter objects: one per api_user (the relay
 * counts per api_user, labels included), one per public key and client, one
 * per public key, and one for the second route (FALLBACK_RATE_LIMIT_PER_MINUTE).
 */
import type { Config, PublicKey } from "../config";
import type { Bindings } from "../env";
import { problem } from "./problem";
import { ipLimiterName, keyLimiterName } from "./public-message";

/** Where the limit stood at the last answer from its object (for the RateLimit headers). */
export interface LimitState {
	limit: number;
	remaining: number;
	resetInMs: number;
}

export interface Limiter {
	acquire(n: number): Promise<{ granted: number; retryAfterMs: number; resetInMs: number; at: number }>;
	release(n: number, at?: number): Promise<void>;
	/** After delivery: `released` permits of the grant at `at` back, `sent` counted from now (the relay saw them now). */
	settle(released: number, sent: number, at: number): Promise<void>;
	cool(ms: number): Promise<void>;
	usage(): Promise<{ limit: number; used: number; remaining: number; resetInMs: number }>;
	/** The state its last acquire or usage reported; undefined before one, or once a release or cool changed it. */
	known(): LimitState | undefined;
}

export function limiterNamed(env: Bindings, name: string, limit: number): Limiter {
	const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(name));
	let known: LimitState | undefined;
	const remember = (s: LimitState) => {
		known = { limit: s.limit, remaining: s.remaining, resetInMs: s.resetInMs };
	};
	return {
		acquire: async (n) => {
			const grant = await stub.acquire(n, limit);
			remember(grant);
			return { granted: grant.granted, retryAfterMs: grant.retryAfterMs, resetInMs: grant.resetInMs, at: grant.at };
		},
		release: async (n, at) => {
			if (n === 0) return;
			known = undefined;
			await stub.release(n, at);
		},
		settle: async (released, sent, at) => {
			if (released === 0 && sent === 0) return;
			remember(await stub.settle(released, sent, at, limit));
		},
		cool: async (ms) => {
			known = undefined;
			await stub.cool(ms);
		},
		usage: async () => {
			const u = await stub.usage(limit);
			remember(u);
			return { limit: u.limit, used: u.used, remaining: u.remaining, resetInMs: u.resetInMs };
		},
		known: () => known,
	};
}

/** The configured api_user's limiter. */
export const userLimiter = (env: Bindings, config: Config) =>
	limiterNamed(env, config.smtp.user, config.rateLimitPerMinute);

/** One client IP's limiter for one public key. */
export const ipLimiter = (env: Bindings, key: PublicKey, clientIp: string) =>
	limiterNamed(env, ipLimiterName(key, clientIp), key.perIpPerMinute);

/** All clients' sends with one public key. */
export const keyLimiter = (env: Bindings, key: PublicKey) => limiterNamed(env, keyLimiterName(key), key.perMinute);

/** The 429 for a grant of nothing. */
export const limitedProblem = (retryAfterMs: number, who: string) =>
	problem("rate_limited", `${who} is over its limit of sends per minute`, {
		retryAfter: Math.max(1, Math.ceil(retryAfterMs / 1000)),
	});
