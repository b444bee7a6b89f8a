/**
 * One budget (an api_user's RATE_LIMIT_PER_MINUTE, a public key's ceiling)
 * split over K RateLimiter objects, because one object is single-threaded
 * (about 1,000 requests/s) and a sync send costs it two (acquire, settle).
 * Each shard enforces its share on its own exact window, and the shares add
 * up to the limit, so the shards together never pass it in any 60 s. A
 * caller asks one shard (at random, skipping shards this isolate has just
 * seen full) and, refused all or part, one more; `settle` goes to the shards
 * that granted; `usage` sums them all; `cool` cools them all.
 */
import type { TransactionDeadline } from "../smtp";
import { deadlineFor } from "./permit-deadline.ts";
import type { Counting, Grant, RateLimiter, Usage } from "./rate-limiter.ts";

/**
 * Permits per minute one shard is given: K = ⌈limit / 5,000⌉, at most 64. At
 * the default 30,000 that is 6 shards: a sync send costs its shard two calls,
 * so the budget takes about 6 × 1,000 / 2 = 3,000 sends/s (six times its
 * own rate) before a shard queues, and a share stays fifty times the largest
 * single request (a batch of 100), so the split costs little at a window's edge.
 * Up to 5,000 a minute it is one object, exactly as unsplit.
 */
export const SHARE_PER_SHARD = 5_000;
export const MAX_SHARDS = 64;

export const shardsFor = (limit: number) => Math.min(MAX_SHARDS, Math.max(1, Math.ceil(limit / SHARE_PER_SHARD)));

/** Shard `shard`'s share of `limit` over `shards`: the shares add up to the limit exactly. */
export const shareOf = (limit: number, shards: number, shard: number) =>
	Math.floor(limit / shards) + (shard < limit % shards ? 1 : 0);

/** The object name of one shard; shard 0 is the budget's own name (one shard is the object of before). */
export const shardObjectName = (name: string, shard: number) => (shard === 0 ? name : `${name}/${shard}`);

/** What an acquire left the budget at (for the RateLimit headers): exact with one shard, else an estimate. */
export interface LimitState {
	limit: number;
	remaining: number;
	resetInMs: number;
}

/** Permits one shard granted. */
export interface PermitPart {
	shard: number;
	granted: number;
	/** The shard's `at`, handed back to its `settle`. */
	at: number;
}

/** The answer to `acquire`: permits from one or two shards, and the deadline their deliveries must keep. */
export interface Permits {
	granted: number;
	parts: PermitPart[];
	/** 0 when all were granted; else when the sooner of the shards asked frees a permit. */
	retryAfterMs: number;
	/** The transaction deadline of every message sent under these permits (permit-deadline.ts). */
	deadline: TransactionDeadline;
	state: LimitState;
}

/** What became of permits: `sent` reached (or may have reached) the relay, `released` never did; the rest stay counted to their bound. */
export interface PermitOutcome {
	sent: number;
	released: number;
}

export interface BudgetOptions {
	namespace: DurableObjectNamespace<RateLimiter>;
	name: string;
	limit: number;
	counting: Counting;
	/** Default shardsFor(limit). */
	shards?: number;
	random?: () => number;
	/** The sender's clock, for the deadline (Date.now). */
	now?: () => number;
}

/** Shards this isolate saw refuse, by object name: skipped as a first choice until then. */
const fullUntil = new Map<string, number>();
/** The longest a shard is skipped: it frees permits as others settle, which no refusal can foresee. */
const FULL_SKIP_MS = 1_000;
/** Entries past which expired ones are swept from `fullUntil`. */
const MAX_REMEMBERED = 1_024;

export class RateBudget {
	readonly limit: number;
	readonly shards: number;
	readonly #options: BudgetOptions;
	readonly #random: () => number;
	readonly #now: () => number;
	readonly #stubs = new Map<number, DurableObjectStub<RateLimiter>>();

	constructor(options: BudgetOptions) {
		this.#options = options;
		this.limit = options.limit;
		this.shards = options.shards ?? shardsFor(options.limit);
		if (!Number.isSafeInteger(this.shards) || this.shards < 1 || this.shards > Math.min(MAX_SHARDS, this.limit)) {
			throw new RangeError(`RateBudget: shards must be a whole number from 1 to ${Math.min(MAX_SHARDS, this.limit)}`);
		}
		this.#random = options.random ?? Math.random;
		this.#now = options.now ?? Date.now;
	}

	/** Up to `n` permits: from one shard, or two when the first could not give them all. */
	async acquire(n: number): Promise<Permits> {
		const deadline = deadlineFor(this.#now());
		const answers: { shard: number; grant: Grant }[] = [];
		const ask = async (shard: number, count: number) => {
			const grant = await this.#stub(shard).acquire(count, this.#share(shard), this.#options.counting);
			answers.push({ shard, grant });
			if (grant.granted < count) this.#sawFull(shard, grant.retryAfterMs);
			return grant.granted;
		};
		const first = this.#pick();
		let granted = await ask(first, n);
		if (granted < n && this.shards > 1) granted += await ask(this.#pick(first), n - granted);
		const parts = answers
			.filter((a) => a.grant.granted > 0)
			.map(({ shard, grant }) => ({ shard, granted: grant.granted, at: grant.at }));
		const retryAfterMs = granted < n ? Math.min(...answers.map((a) => a.grant.retryAfterMs)) : 0;
		const state = this.#estimate(answers.map(({ shard, grant }) => ({ shard, answer: grant })));
		return { granted, parts, retryAfterMs, deadline, state };
	}

	/** Tells each shard that granted what became of its part (sent first, then released); the budget's state after. */
	async settle(permits: Permits, outcome: PermitOutcome): Promise<LimitState | undefined> {
		let sentLeft = outcome.sent;
		let releasedLeft = outcome.released;
		const calls: Promise<{ shard: number; answer: Usage }>[] = [];
		for (const part of permits.parts) {
			const sent = Math.min(sentLeft, part.granted);
			const released = Math.min(releasedLeft, part.granted - sent);
			sentLeft -= sent;
			releasedLeft -= released;
			if (sent + released === 0) continue;
			const share = this.#share(part.shard);
			calls.push(
				this.#stub(part.shard)
					.settle(released, sent, part.at, share)
					.then((answer) => ({ shard: part.shard, answer })),
			);
		}
		if (!calls.length) return undefined;
		return this.#estimate(await Promise.all(calls));
	}

	/** The relay said 536: every shard refuses for `ms` (the relay's budget is the whole api_user's); the call counts once. */
	async cool(ms: number): Promise<void> {
		const counter = this.#pick();
		await Promise.all(this.#all().map((shard) => this.#stub(shard).cool(ms, shard === counter ? 1 : 0)));
		for (const shard of this.#all()) this.#sawFull(shard, ms);
	}

	/** The whole budget: every shard's usage, summed (GET /v1/limits). */
	async usage(): Promise<Usage> {
		const usages = await Promise.all(this.#all().map((shard) => this.#stub(shard).usage(this.#share(shard))));
		return {
			limit: this.limit,
			used: usages.reduce((sum, u) => sum + u.used, 0),
			remaining: usages.reduce((sum, u) => sum + u.remaining, 0),
			resetInMs: Math.max(...usages.map((u) => u.resetInMs)),
		};
	}

	/** The budget's state from one shard's usage (exact with one shard): for headers, at one call. */
	async estimate(): Promise<LimitState> {
		const shard = this.#pick();
		return this.#estimate([{ shard, answer: await this.#stub(shard).usage(this.#share(shard)) }]);
	}

	/** Scales what the shards asked said to the whole budget: they fill evenly, since callers pick at random. */
	#estimate(answers: { shard: number; answer: { remaining: number; resetInMs: number } }[]): LimitState {
		const shares = answers.reduce((sum, a) => sum + this.#share(a.shard), 0);
		const remaining = answers.reduce((sum, a) => sum + a.answer.remaining, 0);
		return {
			limit: this.limit,
			remaining: Math.min(this.limit, Math.floor((remaining * this.limit) / shares)),
			resetInMs: Math.max(...answers.map((a) => a.answer.resetInMs)),
		};
	}

	/** A shard at random, other than `not`, preferring those this isolate has not just seen full. */
	#pick(not?: number): number {
		const now = Date.now();
		const others = this.#all().filter((shard) => shard !== not);
		const open = others.filter((shard) => (fullUntil.get(this.#objectName(shard)) ?? 0) <= now);
		const from = open.length ? open : others;
		return from[Math.floor(this.#random() * from.length)] ?? 0;
	}

	#sawFull(shard: number, retryAfterMs: number): void {
		if (this.shards === 1) return; // nothing to choose between (and per-IP budgets are many)
		const now = Date.now();
		if (fullUntil.size >= MAX_REMEMBERED)
			for (const [name, until] of fullUntil) if (until <= now) fullUntil.delete(name);
		fullUntil.set(this.#objectName(shard), now + Math.min(Math.max(retryAfterMs, 0), FULL_SKIP_MS));
	}

	#all(): number[] {
		return Array.from({ length: this.shards }, (_, shard) => shard);
	}

	#share(shard: number): number {
		return shareOf(this.limit, this.shards, shard);
	}

	#objectName(shard: number): string {
		return shardObjectName(this.#options.name, shard);
	}

	#stub(shard: number): DurableObjectStub<RateLimiter> {
		let stub = this.#stubs.get(shard);
		if (!stub) {
			const { namespace } = this.#options;
			stub = namespace.get(namespace.idFromName(this.#objectName(shard)));
			this.#stubs.set(shard, stub);
		}
		return stub;
	}
}
