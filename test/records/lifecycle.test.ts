/**
 * Scheduling, the backlog cap, large bodies through the R2 spool, and the
 * retention job (records, their events, R2 objects, provider events and
 * settled webhook deliveries) — through the real local D1, R2 and queue producer.
 */
import { createScheduledController } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Bindings } from "../../src/env";
import worker from "../../src/index";
import { auth, baseEnv, call, message, post, relayAt } from "../api/support";
import { type RelayHandle, startRelay } from "../helpers/relay";
import { ASYNC, consume, recordOf, sendAsync, spooled } from "./support";

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
	it("answers 429 with Retry-After once MAX_BACKLOG messages of the api_user are waiting", async () => {
		const own = { ...at, SMTP_USER: `backlog_${Date.now()}`, MAX_BACKLOG: "2" };
		await sendAsync("backlog-1", own);
		await sendAsync("backlog-2", own);
		const third = await post("/v1/send", message("backlog-3"), own, ASYNC);
		expect(third.status).toBe(429);
		expect(Number(third.headers.get("Retry-After"))).toBeGreaterThan(0);
		expect(((await third.json()) as { detail: string }).detail).toContain("MAX_BACKLOG");
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
		expect(await spooled(body.ref)).toBe(false);
	});
});

describe("retention", () => {
	it("the cron deletes records older than MESSAGE_RETENTION_DAYS, their events and R2 objects; newer ones stay", async () => {
		const { body: old } = await sendAsync("retention-old", at);
		expect(await spooled(old.ref)).toBe(true);
		const env = { ...baseEnv, MESSAGE_RETENTION_DAYS: "30" } as Bindings;
		// 30 days and a minute later, what was just sent is past retention.
		await worker.scheduled(createScheduledController({ scheduledTime: Date.now() + 30 * DAY + 60_000 }), env);
		expect((await call(`/v1/messages/${old.ref}`, { headers: auth })).status).toBe(404);
		expect(await spooled(old.ref)).toBe(false);

		const { body: fresh } = await sendAsync("retention-new", at);
		await worker.scheduled(createScheduledController({ scheduledTime: Date.now() + DAY }), env);
		expect((await recordOf(fresh.ref)).status).toBe("queued");
	});

	it("provider events and settled webhook deliveries as old go too; a pending delivery stays", async () => {
		const db = baseEnv.DB as D1Database;
		const now = Date.now();
		const tag = crypto.randomUUID();
		const insertEvent = (id: string, receivedAt: number) =>
			db
				.prepare("INSERT INTO provider_events (id, relay_id, type, at, received_at) VALUES (?, ?, 'delivered', ?, ?)")
				.bind(`${tag}-${id}`, `relay-${tag}`, receivedAt, receivedAt);
		const insertDelivery = (id: string, status: string, createdAt: number) =>
			db
				.prepare(
					`INSERT INTO webhook_deliveries (id, stream, seq, type, payload, status, next_attempt_at, deadline_at, created_at)
					 VALUES (?, ?, ?, 'message.sent', '{}', ?, ?, ?, ?)`,
				)
				.bind(`${tag}-${id}`, `stream-${tag}`, createdAt, status, createdAt, createdAt + DAY, createdAt);
		await db.batch([
			insertEvent("old", now - 31 * DAY),
			insertEvent("new", now),
			insertDelivery("old-delivered", "delivered", now - 31 * DAY),
			insertDelivery("old-failed", "failed", now - 31 * DAY + 1),
			insertDelivery("old-pending", "pending", now - 31 * DAY + 2),
			insertDelivery("new-delivered", "delivered", now),
		]);
		const env = { ...baseEnv, MESSAGE_RETENTION_DAYS: "30" } as Bindings;
		await worker.scheduled(createScheduledController({ scheduledTime: now }), env);
		const left = async (table: string) =>
			(
				await db.prepare(`SELECT id FROM ${table} WHERE id LIKE ? ORDER BY id`).bind(`${tag}-%`).all<{ id: string }>()
			).results.map((r) => r.id.slice(tag.length + 1));
		expect(await left("provider_events")).toEqual(["new"]);
		expect(await left("webhook_deliveries")).toEqual(["new-delivered", "old-pending"]);
	});
});
