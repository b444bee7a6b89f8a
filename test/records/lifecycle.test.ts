/**
 * Scheduling, the backlog cap, large bodies through the R2 spool, and
 * retention (records with their events, R2 objects, settled webhook
 * deliveries; never a record that is not final) — through the real local
 * store objects, R2 and queue producer, and each shard's sweep.
 */
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { placeOf, SHARDS_PER_DAY, shardName } from "../../src/store/ref";
import { auth, call, message, post, relayAt } from "../api/support";
import { type RelayHandle, startRelay } from "../helpers/relay";
import { ASYNC, consume, recordOf, sendAsync, spooled, sweepOf } from "./support";

const shardOf = (ref: string) => {
	const place = placeOf(ref);
	if (!place) throw new Error(`not a ref: ${ref}`);
	return env.MESSAGES.getByName(shardName(place));
};

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let relay: RelayHandle;
let at: ReturnType<typeof relayAt>;
beforeAll(async () => {
	relay = await startRelay({ security: "starttls" });
	at = relayAt(relay.port);
});
afterAll(() => relay.stop());

const atRelay = async (subject: string) => (await relay.messages()).filter((m) => m.data.includes(subject));

describe("scheduling", () => {
	it("a sendAt makes it scheduled (202 without Prefer): not delivered before, delivered after", async () => {
		const now = Date.now();
		const sendAt = new Date(now + HOUR).toISOString();
		const response = await post("/v1/send", message("scheduled", { sendAt }), at);
		expect(response.status).toBe(202);
		const body = (await response.json()) as { ref: string; status: string };
		expect(body.status).toBe("scheduled");
		expect((await recordOf(body.ref)).sendAt).toBe(sendAt);

		await consume([body.ref], at, now + HOUR / 2);
		expect(await atRelay("test scheduled")).toHaveLength(0);
		expect((await recordOf(body.ref)).status).toBe("scheduled");

		await consume([body.ref], at, now + HOUR + 1000);
		expect(await atRelay("test scheduled")).toHaveLength(1);
		expect((await recordOf(body.ref)).status).toBe("sent");
	});

	it("a scheduled message can be canceled", async () => {
		const sendAt = new Date(Date.now() + DAY).toISOString();
		const { body } = await sendAsync("scheduled-cancel", at, { sendAt });
		const canceled = await call(`/v1/messages/${body.ref}`, { method: "DELETE", headers: auth });
		expect(canceled.status).toBe(200);
		await consume([body.ref], at, Date.now() + 2 * DAY);
		expect(await atRelay("test scheduled-cancel")).toHaveLength(0);
	});

	it("refuses a sendAt more than 30 days ahead, or not RFC 3339, naming the field", async () => {
		for (const sendAt of [new Date(Date.now() + 31 * DAY).toISOString(), "tomorrow"]) {
			const response = await post("/v1/send", message("too-far", { sendAt }), at);
			expect(response.status).toBe(400);
			const problem = (await response.json()) as { errors: { path: string }[] };
			expect(problem.errors.map((e) => e.path)).toEqual(["sendAt"]);
		}
	});
});

describe("backlog cap", () => {
	it("answers 429 with Retry-After once a shard holds its share of MAX_BACKLOG waiting messages", async () => {
		// One waiting message per shard: at most SHARDS_PER_DAY can be accepted, whatever lands where.
		const own = { ...at, MAX_BACKLOG: String(SHARDS_PER_DAY) };
		let accepted = 0;
		let refused: Response | undefined;
		for (let i = 0; i <= SHARDS_PER_DAY && !refused; i++) {
			const response = await post("/v1/send", message(`backlog-${i}`), own, ASYNC);
			if (response.status === 202) accepted++;
			else refused = response;
		}
		if (!refused) throw new Error(`${accepted} accepted, none refused`);
		expect(refused.status).toBe(429);
		expect(accepted).toBeLessThanOrEqual(SHARDS_PER_DAY);
		expect(Number(refused.headers.get("Retry-After"))).toBeGreaterThan(0);
		expect(((await refused.json()) as { detail: string }).detail).toContain("MAX_BACKLOG");
	});
});

describe("spool", () => {
	it("a body over the queue's 128 KB goes through R2, arrives intact, and the object is gone afterwards", async () => {
		const big = "0123456789abcdef".repeat(12_000); // 192 KB of text
		const { body } = await sendAsync("big-body", at, { text: big });
		expect(await spooled(body.ref)).toBe(true);
		await consume([body.ref], at);
		const [delivered] = await atRelay("test big-body");
		expect(delivered?.data.replace(/=\r\n/g, "")).toContain(big.slice(0, 4096));
		expect((await recordOf(body.ref)).status).toBe("sent");
		await sweepOf(body.ref);
		expect(await spooled(body.ref)).toBe(false);
	});
});

describe("retention", () => {
	it("the shard's sweep deletes final records older than MESSAGE_RETENTION_DAYS, their events and R2 objects; never an open one", async () => {
		const { body: old } = await sendAsync("retention-old", at);
		await consume([old.ref], at);
		expect((await recordOf(old.ref)).status).toBe("sent");
		const { body: open } = await sendAsync("retention-open", at, {
			sendAt: new Date(Date.now() + 29 * DAY).toISOString(),
		});
		// 30 days and a minute later (the objects read MESSAGE_RETENTION_DAYS from their own settings: 30 by default),
		// what was sent is past retention; the spool goes at the first look, the record at the next.
		const later = Date.now() + 30 * DAY + 60_000;
		await sweepOf(old.ref, later);
		await sweepOf(old.ref, later);
		expect((await call(`/v1/messages/${old.ref}`, { headers: auth })).status).toBe(404);
		expect(await spooled(old.ref)).toBe(false);
		// Scheduled 29 days ahead, still waiting: it stays, spool and all (finding 4).
		await sweepOf(open.ref, later);
		await sweepOf(open.ref, later);
		expect((await recordOf(open.ref)).status).toBe("scheduled");
		expect(await spooled(open.ref)).toBe(true);
	});

	it("settled webhook deliveries as old go with their record; a pending one stays", async () => {
		const finishedWithWebhook = async (tag: string) => {
			const { body } = await sendAsync(tag, at);
			const shard = shardOf(body.ref);
			const claimed = await shard.claim(body.ref, Date.now());
			if (claimed.kind !== "claimed") throw new Error(claimed.kind);
			// As with webhooks on: the record's outbox gets message.sent when it ends.
			await runInDurableObject(shard, async (_instance, state) => {
				state.storage.sql.exec("UPDATE messages SET publish = 1 WHERE ref = ?", body.ref);
			});
			const done = { kind: "final", status: "sent", relayId: `r-${body.ref}`, detail: {} } as const;
			await shard.finish(body.ref, claimed.token, done, Date.now());
			return { ref: body.ref, shard, id: `evt_${body.ref}_sent` };
		};
		const settled = await finishedWithWebhook("retention-settled");
		const claim = await settled.shard.claimDelivery(settled.id, Date.now());
		if (claim.kind !== "claimed") throw new Error(claim.kind);
		await settled.shard.settleDelivery(settled.id, claim.token, { ok: true, status: 200 }, Date.now());
		const pending = await finishedWithWebhook("retention-pending");
		const later = Date.now() + 31 * DAY;
		for (const { ref } of [settled, pending]) {
			await sweepOf(ref, later);
			await sweepOf(ref, later);
		}
		expect(await settled.shard.get(settled.ref)).toBeUndefined();
		expect(await settled.shard.deliveriesOf(settled.ref)).toEqual([]);
		expect(await pending.shard.get(pending.ref)).toBeUndefined();
		expect((await pending.shard.deliveriesOf(pending.ref)).map((d) => d.status)).toEqual(["pending"]);
	});
});
