/**
 * The RelayIndex, SuppressionList and MessageDirectory objects alone: a
 * callback's event finds its record, or is held until the record's relay id
 * is put (then handed over once), or goes out with ref null after the hold
 * and reaches the record later without a second webhook; suppressions spread
 * over objects; the directory lists an owner's places newest first.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { listAcross, notePlace, suppressedAmong } from "../../src/store/messages-client";
import { newRef, placeOf } from "../../src/store/ref";
import { indexName, suppressionName } from "../../src/store/relay-index-name";
import { HOLD_MS } from "../../src/store/timing";
import { acceptInput, shardFor, T0 } from "./support";

const event = (id: string, relayId: string) => ({
	id,
	relayId,
	recipient: "ben@example.com",
	type: "delivered",
	at: T0,
	detail: null,
	moveTo: "delivered" as const,
	webhook: "message.delivered",
});

describe("RelayIndex", () => {
	it("answers a known relay id's ref, and holds an unknown one's events until the put hands them over", async () => {
		const index = env.RELAY_INDEX.getByName(indexName("relay-known"));
		await index.put([{ relayId: "relay-known", ref: "msg_a" }], T0);
		expect(await index.route(event("e1", "relay-known"), true, T0)).toEqual({ kind: "known", ref: "msg_a" });
		const other = env.RELAY_INDEX.getByName(indexName("relay-later"));
		expect(await other.route(event("e2", "relay-later"), true, T0)).toEqual({ kind: "held", fresh: true });
		expect(await other.route(event("e2", "relay-later"), true, T0)).toEqual({ kind: "held", fresh: false });
		const handed = await other.put([{ relayId: "relay-later", ref: "msg_b" }], T0 + 1);
		expect(handed["relay-later"]?.map((e) => e.id)).toEqual(["e2"]);
		// A put again (the sweep's) answers the same, and the hold's end publishes nothing.
		expect((await other.put([{ relayId: "relay-later", ref: "msg_b" }], T0 + 2))["relay-later"]).toHaveLength(1);
		expect((await other.sweep(T0 + HOLD_MS)).jobs).toEqual([]);
	});

	it("publishes a held event with ref null after the hold, and hands it to its record later without its webhook", async () => {
		const index = env.RELAY_INDEX.getByName(indexName("relay-late"));
		await index.route(event("e3", "relay-late"), true, T0);
		expect((await index.sweep(T0 + HOLD_MS - 1)).jobs).toEqual([]);
		const { jobs } = await index.sweep(T0 + HOLD_MS);
		expect(jobs).toEqual([{ job: { kind: "webhook", object: indexName("relay-late"), id: "e3" }, delaySeconds: 0 }]);
		const handed = await index.put([{ relayId: "relay-late", ref: "msg_c" }], T0 + HOLD_MS + 1);
		expect(handed["relay-late"]?.[0]).toMatchObject({ id: "e3" });
		expect(handed["relay-late"]?.[0]?.webhook).toBeUndefined();
	});

	it("binds a callback signature to its first body", async () => {
		const index = env.RELAY_INDEX.getByName(indexName("sig-1"));
		expect(await index.bindSignature("sig-1", "aaa", T0)).toBe("new");
		expect(await index.bindSignature("sig-1", "aaa", T0 + 1)).toBe("same");
		expect(await index.bindSignature("sig-1", "bbb", T0 + 2)).toBe("conflict");
	});
});

describe("SuppressionList", () => {
	it("answers which addresses are suppressed, whichever object each lives in", async () => {
		const emails = Array.from({ length: 40 }, (_, i) => `user${i}@example.com`);
		for (const email of emails.slice(0, 20)) {
			await env.SUPPRESSIONS.getByName(suppressionName("supp-user", email)).add(
				{ email: email.toUpperCase(), reason: "hard_bounce" },
				T0,
			);
		}
		const found = await suppressedAmong(env, "supp-user", emails);
		expect(found.map((s) => s.email).sort()).toEqual(emails.slice(0, 20).sort());
		expect(await suppressedAmong(env, "another-user", emails)).toEqual([]);
	});
});

describe("listAcross", () => {
	it("merges an owner's records newest first across shards and days, with a page limit", async () => {
		const owner = "bearer:across";
		const refs: { ref: string; at: number }[] = [];
		for (let i = 0; i < 12; i++) {
			const at = T0 - (i % 3) * 86_400_000 + i;
			const input = acceptInput({ ref: newRef(at), owner }, at);
			await notePlace(env, owner, input.ref);
			await shardFor(input.ref).accept(input, at);
			refs.push({ ref: input.ref, at });
		}
		const expected = refs.sort((a, b) => b.at - a.at).map((r) => r.ref);
		const fromDay = placeOf(expected[0] as string)?.day ?? 0;
		const first = await listAcross(env, owner, { limit: 5, fromDay });
		expect(first.records.map((r) => r.ref)).toEqual(expected.slice(0, 5));
		const last = first.records[4];
		if (!last) throw new Error("no fifth record");
		expect(first.next).toEqual({ createdAt: last.createdAt, ref: last.ref });
		const rest = await listAcross(env, owner, {
			limit: 20,
			fromDay: placeOf(last.ref)?.day ?? 0,
			before: { createdAt: last.createdAt, ref: last.ref },
		});
		expect(rest.next).toBeUndefined();
		expect(rest.records.map((r) => r.ref)).toEqual(expected.slice(5));
	});
});
