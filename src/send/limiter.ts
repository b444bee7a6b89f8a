/**
 * The send path's handle on the rate budgets (src/limit/budget.ts): one per
 * api_user (the relay counts per api_user, labels included), split over
 * several RateLimiter objects when its limit is large; one per public key
 * and client, one per public key. It remembers the state its last answer
 * reported, for the RateLimit headers.
 */
import type { Config, PublicKey } from "../config";
import type { Bindings } from "../env";
import { type Counting, type LimitState, type PermitOutcome, type Permits, RateBudget, type Usage } from "../limit";
import { problem } from "./problem";
import { ipLimiterName, keyLimiterName } from "./public-message";

export type { LimitState };

export interface Limiter {
	/** Up to `n` permits, and the deadline their deliveries must keep. */
	acquire(n: number): Promise<Permits>;
	/** After delivery: `sent` counted from now (the relay saw them by now), `released` back; any other stays counted to its bound. */
	settle(permits: Permits, outcome: PermitOutcome): Promise<void>;
	cool(ms: number): Promise<void>;
	/** Every shard's usage, summed. */
	usage(): Promise<Usage>;
	/** The state its last acquire or settle reported; undefined before one, or once a cool changed it. */
	known(): LimitState | undefined;
	/** The state from one shard (exact with one): for headers on an answer whose route did not ask. */
	estimate(): Promise<LimitState>;
}

function limiter(env: Bindings, name: string, limit: number, counting: Counting): Limiter {
	const budget = new RateBudget({ namespace: env.RATE_LIMITER, name, limit, counting });
	let known: LimitState | undefined;
	return {
		acquire: async (n) => {
			const permits = await budget.acquire(n);
			known = permits.state;
			return permits;
		},
		settle: async (permits, outcome) => {
			known = (await budget.settle(permits, outcome)) ?? known;
		},
		cool: async (ms) => {
			known = undefined;
			await budget.cool(ms);
		},
		usage: async () => {
			const usage = await budget.usage();
			known = usage;
			return usage;
		},
		estimate: async () => {
			known = await budget.estimate();
			return known;
		},
		known: () => known,
	};
}

/** The configured api_user's budget: sends, counted until settled. */
export const userLimiter = (env: Bindings, config: Config) =>
	limiter(env, config.smtp.user, config.rateLimitPerMinute, "until-settled");

/** One client IP's limiter for one public key: requests, counted from their grant. */
export const ipLimiter = (env: Bindings, key: PublicKey, clientIp: string) =>
	limiter(env, ipLimiterName(key, clientIp), key.perIpPerMinute, "from-grant");

/** All clients' sends with one public key: requests, counted from their grant. */
export const keyLimiter = (env: Bindings, key: PublicKey) =>
	limiter(env, keyLimiterName(key), key.perMinute, "from-grant");

/** The 429 for a grant of nothing. */
export const limitedProblem = (retryAfterMs: number, who: string) =>
	problem("rate_limited", `${who} is over its limit of sends per minute`, {
		retryAfter: Math.max(1, Math.ceil(retryAfterMs / 1000)),
	});
