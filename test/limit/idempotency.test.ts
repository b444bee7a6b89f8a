/**
 * Idempotency records: new → in_flight → replay, a different request under the
 * same key, the in-flight lease running out, abandon(), restarts, and the alarm
 * that deletes a record once its 24 h are over.
 */
import { evictDurableObject, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { type IdempotencyStore, LEASE_MS, REPLAY_MS, type StoredResponse } from "../../src/limit";
import { attachClock, bindings, crash, fakeClock, freshName } from "./support.ts";

const answer: StoredResponse = {
	status: 200,
	headers: { "content-type": "application/json", "x-request-id": "req_1" },
	body: JSON.stringify({ id: "relay-1", messageId: "<a@example.com>", accepted: ["ben@example.com"], rejected: [] }),
};

// Alarms are set at fake times: starting from now keeps them in the future, so none fires on its own mid-test.
async function store(label: string) {
	const stub = bindings.IDEMPOTENCY.getByName(freshName(label));
	const clock = fakeClock(Date.now());
	await attachClock(stub, clock);
	return { stub, clock };
}

const stored = (stub: DurableObjectStub<IdempotencyStore>) =>
	runInDurableObject(stub, async (_instance: IdempotencyStore, state) => ({
		tables: state.storage.sql
			.exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'record'")
			.toArray().length,
		alarm: await state.storage.getAlarm(),
	}));

describe("IdempotencyStore", () => {
	it("goes new → in_flight → replay, keeping the first answer", async () => {
		const { stub, clock } = await store("replay");
		expect(await stub.begin("fp-a")).toEqual({ state: "new", since: expect.any(Number) });
		expect(await stub.begin("fp-a")).toEqual({ state: "in_flight" });
		await stub.complete("fp-a", answer);
		expect(await stub.begin("fp-a")).toEqual({ state: "replay", response: answer });
		// A second answer for the same request changes nothing: the first is what callers saw.
		await stub.complete("fp-a", { ...answer, status: 503, body: "{}" });
		clock.advance(REPLAY_MS - 1);
		expect(await stub.begin("fp-a")).toEqual({ state: "replay", response: answer });
	});

	it("answers mismatch for a different request under the same key, in flight or answered", async () => {
		const { stub } = await store("mismatch");
		expect(await stub.begin("fp-a")).toEqual({ state: "new", since: expect.any(Number) });
		expect(await stub.begin("fp-b")).toEqual({ state: "mismatch" });
		await stub.complete("fp-a", answer);
		expect(await stub.begin("fp-b")).toEqual({ state: "mismatch" });
		// The other request's answer never replaces the first one.
		await stub.complete("fp-b", { ...answer, body: "other" });
		expect(await stub.begin("fp-a")).toEqual({ state: "replay", response: answer });
	});

	it("lets a new attempt take the key once an unanswered first attempt's lease runs out", async () => {
		const { stub, clock } = await store("lease");
		expect(await stub.begin("fp-a")).toEqual({ state: "new", since: expect.any(Number) });
		clock.advance(LEASE_MS - 1);
		expect(await stub.begin("fp-a")).toEqual({ state: "in_flight" });
		clock.advance(1);
		expect(await stub.begin("fp-b")).toEqual({ state: "new", since: expect.any(Number) });
		expect(await stub.begin("fp-a")).toEqual({ state: "mismatch" });
		// The first attempt finishing late does not take the key back.
		await stub.complete("fp-a", { ...answer, body: "late" });
		await stub.complete("fp-b", answer);
		expect(await stub.begin("fp-b")).toEqual({ state: "replay", response: answer });
	});

	it("abandon() frees the key for the same request only, and never drops an answer", async () => {
		const { stub } = await store("abandon");
		expect(await stub.begin("fp-a")).toEqual({ state: "new", since: expect.any(Number) });
		await stub.abandon("fp-b");
		expect(await stub.begin("fp-a")).toEqual({ state: "in_flight" });
		await stub.abandon("fp-a");
		expect(await stub.begin("fp-a")).toEqual({ state: "new", since: expect.any(Number) });
		await stub.complete("fp-a", answer);
		await stub.abandon("fp-a");
		expect(await stub.begin("fp-a")).toEqual({ state: "replay", response: answer });
	});

	it("answers a retry of the same request the time the key was first begun, also after the first gave up", async () => {
		const { stub, clock } = await store("since");
		const first = clock.now;
		expect(await stub.begin("fp-a")).toEqual({ state: "new", since: first });
		clock.advance(5_000);
		await stub.abandon("fp-a");
		clock.advance(5_000);
		expect(await stub.begin("fp-a")).toEqual({ state: "new", since: first });
		// A first attempt that vanished (its lease ran out, nothing begun): the same.
		clock.advance(LEASE_MS);
		expect(await stub.begin("fp-a")).toEqual({ state: "new", since: first });
		// Another request under the key once it is free starts its own time.
		await stub.abandon("fp-a");
		clock.advance(1_000);
		expect(await stub.begin("fp-b")).toEqual({ state: "new", since: clock.now });
	});

	it("keeps records through an eviction and a crash", async () => {
		let { stub, clock } = await store("restart");
		expect(await stub.begin("fp-a")).toEqual({ state: "new", since: expect.any(Number) });
		await evictDurableObject(stub);
		await attachClock(stub, clock);
		expect(await stub.begin("fp-a")).toEqual({ state: "in_flight" });
		await stub.complete("fp-a", answer);
		stub = await crash(stub, bindings.IDEMPOTENCY);
		await attachClock(stub, clock);
		expect(await stub.begin("fp-a")).toEqual({ state: "replay", response: answer });
	});

	it("expires with an alarm: kept while young, deleted with its object once 24 h are over", async () => {
		const { stub, clock } = await store("alarm");
		const start = clock.now;
		await stub.begin("fp-a");
		expect(await stored(stub)).toEqual({ tables: 1, alarm: start + LEASE_MS });
		clock.advance(1_000);
		await stub.complete("fp-a", answer);
		expect(await stored(stub)).toEqual({ tables: 1, alarm: start + 1_000 + REPLAY_MS });

		// An alarm that comes early (a retry, a clock skew) keeps the record and waits again.
		const expiry = start + 1_000 + REPLAY_MS;
		clock.now = expiry - 1;
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(await stored(stub)).toEqual({ tables: 1, alarm: expiry });
		expect(await stub.begin("fp-a")).toEqual({ state: "replay", response: answer });

		clock.now = expiry;
		expect(await runDurableObjectAlarm(stub)).toBe(true);
		expect(await stored(stub)).toEqual({ tables: 0, alarm: null });
		// The key is free again, and the object works after its storage was wiped.
		expect(await stub.begin("fp-b")).toEqual({ state: "new", since: expect.any(Number) });
	});

	it("refuses bad input with an error naming the field, storing nothing", async () => {
		const { stub } = await store("input");
		const refusal = (call: (instance: IdempotencyStore) => Promise<unknown>) =>
			runInDurableObject(stub, (instance: IdempotencyStore) =>
				call(instance).then(
					() => "accepted",
					(error: unknown) => String(error),
				),
			);
		expect(await refusal((i) => i.begin(""))).toMatch(/^TypeError: begin: fingerprint must be/);
		expect(await stub.begin("fp-a")).toEqual({ state: "new", since: expect.any(Number) });
		expect(await refusal((i) => i.complete("fp-a", { ...answer, status: 42 }))).toMatch(
			/^RangeError: complete: response.status must be an HTTP status/,
		);
		expect(
			await refusal((i) =>
				i.complete("fp-a", { ...answer, headers: { "x-n": 1 } as unknown as Record<string, string> }),
			),
		).toBe('TypeError: complete: response.headers["x-n"] must be a string');
		expect(
			await refusal((i) => i.complete("fp-a", { ...answer, body: undefined } as unknown as StoredResponse)),
		).toMatch(/^TypeError: complete: response.body must be a string/);
		expect(await stub.begin("fp-a")).toEqual({ state: "in_flight" });
	});
});

describe("IdempotencyStore: never sending twice", () => {
	it("keeps and replays an answer of any size the routes produce (several MB, split across rows)", async () => {
		const { stub } = await store("large");
		expect(await stub.begin("fp-a")).toEqual({ state: "new", since: expect.any(Number) });
		const accepted = Array.from({ length: 10_000 }, (_, i) => `recipient-${i}-${"x".repeat(300)}@example.com`);
		const big: StoredResponse = { ...answer, body: JSON.stringify({ results: [{ accepted, note: "ünïcödé" }] }) };
		expect(big.body.length).toBeGreaterThan(3 * 1024 * 1024);
		await stub.complete("fp-a", big);
		const replay = await stub.begin("fp-a");
		expect(replay.state).toBe("replay");
		expect(replay.state === "replay" && replay.response.body === big.body).toBe(true);
	});

	it("renew() keeps the lease of a long request: the key stays in flight past the first lease", async () => {
		const { stub, clock } = await store("renew");
		expect(await stub.begin("fp-a")).toEqual({ state: "new", since: expect.any(Number) });
		for (let i = 0; i < 4; i++) {
			clock.advance(LEASE_MS - 1_000);
			expect(await stub.renew("fp-a")).toBe(true);
		}
		expect(await stub.begin("fp-a")).toEqual({ state: "in_flight" });
		expect(await stub.renew("fp-b")).toBe(false);
	});

	it("once delivery began, an expired lease is delivery unknown (never new); a late answer still wins", async () => {
		const { stub, clock } = await store("sending");
		expect(await stub.begin("fp-a")).toEqual({ state: "new", since: expect.any(Number) });
		await stub.markSending("fp-a");
		clock.advance(LEASE_MS);
		expect(await stub.begin("fp-a")).toEqual({ state: "unknown" });
		expect(await stub.begin("fp-b")).toEqual({ state: "mismatch" });
		clock.advance(REPLAY_MS - 1);
		expect(await stub.begin("fp-a")).toEqual({ state: "unknown" });
		await stub.complete("fp-a", answer);
		expect(await stub.begin("fp-a")).toEqual({ state: "replay", response: answer });
	});

	it("abandon() after delivery began is delivery unknown, unless nothing was sent", async () => {
		const { stub } = await store("abandon-sending");
		expect(await stub.begin("fp-a")).toEqual({ state: "new", since: expect.any(Number) });
		await stub.markSending("fp-a");
		await stub.abandon("fp-a");
		expect(await stub.begin("fp-a")).toEqual({ state: "unknown" });

		const other = await store("abandon-nothing-sent");
		expect(await other.stub.begin("fp-a")).toEqual({ state: "new", since: expect.any(Number) });
		await other.stub.markSending("fp-a");
		await other.stub.abandon("fp-a", true);
		expect(await other.stub.begin("fp-a")).toEqual({ state: "new", since: expect.any(Number) });
	});
});
