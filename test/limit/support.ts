/**
 * What the limit tests share: typed bindings, fresh objects, a fake clock the
 * objects read through `setClock`, a seeded random source, and the checker that
 * slides a 60 s window over a log of grant times.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import {
	type IdempotencyStore,
	type LimitBindings,
	type RateLimiter,
	shardObjectName,
	shardsFor,
} from "../../src/limit";

export const bindings = env as unknown as LimitBindings;

let serial = 0;
/** A name no other test uses, so every test starts from an empty object. */
export const freshName = (label: string) => `${label}-${++serial}-${crypto.randomUUID()}`;

export interface FakeClock {
	now: number;
	advance(ms: number): number;
}

export function fakeClock(start: number): FakeClock {
	return {
		now: start,
		advance(ms) {
			this.now += ms;
			return this.now;
		},
	};
}

/** Makes the object behind `stub` read `clock` (again after every restart: a new instance starts on Date.now). */
export async function attachClock<T extends RateLimiter | IdempotencyStore>(
	stub: DurableObjectStub<T>,
	clock: FakeClock,
): Promise<void> {
	await runInDurableObject(stub, (instance: T) => instance.setClock(() => clock.now));
}

/** Makes every shard of the budget `name` (limit `limit`, so its shard count) read `clock`. */
export async function attachBudgetClock(name: string, limit: number, clock: FakeClock): Promise<void> {
	for (let shard = 0; shard < shardsFor(limit); shard++) {
		await attachClock(bindings.RATE_LIMITER.getByName(shardObjectName(name, shard)), clock);
	}
}

/** mulberry32: a small seeded generator, so a failing schedule can be replayed exactly. */
export function seeded(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

export interface LogEntry {
	/** When the permits were granted (fake epoch ms). */
	t: number;
	/** Permits granted and not handed back. */
	count: number;
}

/**
 * The most permits any closed 60 s window [a, a + 60,000 ms] holds. The
 * busiest window can always be slid right until it starts at an entry, so
 * windows starting at entries are the only ones to check (two pointers, O(n)).
 */
export function busiestWindow(log: readonly LogEntry[]): { count: number; start: number } {
	const entries = [...log].sort((x, y) => x.t - y.t);
	let best = { count: 0, start: Number.NaN };
	let end = 0;
	let inside = 0;
	for (let start = 0; start < entries.length; start++) {
		while (end < entries.length && entries[end].t <= entries[start].t + 60_000) inside += entries[end++].count;
		if (inside > best.count) best = { count: inside, start: entries[start].t };
		inside -= entries[start].count;
	}
	return best;
}

/**
 * Restarts the object without letting it finish anything (state.abort()), as a
 * crash would; returns a new stub, since the old one is broken with the object.
 * Scoped to this one object: abortAllDurableObjects() would also reset objects
 * that other test files are using.
 */
export async function crash<T extends RateLimiter | IdempotencyStore>(
	stub: DurableObjectStub<T>,
	namespace: DurableObjectNamespace<T>,
): Promise<DurableObjectStub<T>> {
	await runInDurableObject(stub, (_instance: T, state) => state.abort("test: crash")).catch((error: unknown) => {
		if (!String(error).includes("test: crash")) throw error;
	});
	return namespace.get(stub.id);
}
