/**
 * The API's handle on the RateLimiter objects: one per api_user (the relay
 * counts per api_user, labels included), one per public key and client, one
 * per public key.
 */
import type { Config, PublicKey } from "../config";
import { ipLimiterName, keyLimiterName } from "./auth/public-key";
import { problem } from "./problem";
import type { Bindings } from "./types";

export interface Limiter {
	acquire(n: number): Promise<{ granted: number; retryAfterMs: number; at: number }>;
	release(n: number, at?: number): Promise<void>;
	cool(ms: number): Promise<void>;
	usage(): Promise<{ limit: number; used: number; remaining: number; resetInMs: number }>;
}

function limiter(env: Bindings, name: string, limit: number): Limiter {
	const stub = env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(name));
	return {
		acquire: async (n) => {
			const grant = await stub.acquire(n, limit);
			return { granted: grant.granted, retryAfterMs: grant.retryAfterMs, at: grant.at };
		},
		release: async (n, at) => {
			if (n > 0) await stub.release(n, at);
		},
		cool: async (ms) => {
			await stub.cool(ms);
		},
		usage: async () => {
			const u = await stub.usage(limit);
			return { limit: u.limit, used: u.used, remaining: u.remaining, resetInMs: u.resetInMs };
		},
	};
}

/** The configured api_user's limiter. */
export const userLimiter = (env: Bindings, config: Config) => limiter(env, config.smtp.user, config.rateLimitPerMinute);

/** One client IP's limiter for one public key. */
export const ipLimiter = (env: Bindings, key: PublicKey, clientIp: string) =>
	limiter(env, ipLimiterName(key, clientIp), key.perIpPerMinute);

/** All clients' sends with one public key. */
export const keyLimiter = (env: Bindings, key: PublicKey) => limiter(env, keyLimiterName(key), key.perMinute);

/** The 429 for a grant of nothing. */
export const limitedProblem = (retryAfterMs: number, who: string) =>
	problem("rate_limited", `${who} is over its limit of sends per minute`, {
		retryAfter: Math.max(1, Math.ceil(retryAfterMs / 1000)),
	});
