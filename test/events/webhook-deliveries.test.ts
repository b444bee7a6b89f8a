/**
 * Outbound event deliveries with retries: a receiver's 500 brings the same
 * event (same webhook-id, freshly signed) back about 30 s later, doubling;
 * a message's events reach the receiver in order; after 24 h it gives up;
 * two attempts at once post once (the first claims it for a lease), and a
 * claim whose attempt died is taken up again when its lease ends.
 * Time is the test's own (`nowMs`), never waited for.
 */
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { ATTEMPT_LEASE_MS, addDelivery, attemptDelivery, deliveriesOf } from "../../src/events/webhook-deliveries";
import { DELIVERY_WINDOW_MS, FIRST_RETRY_MS } from "../../src/util/backoff";
import { decodeBase64 } from "../../src/util/bytes";
import { startReceiver } from "./support";

const SECRET = `whsec_${btoa("edgesend-delivery-test-secret-32")}`;
const secretBytes = decodeBase64(SECRET.slice(6)) as Uint8Array;

const event = (type: string, relayId: string) => ({
	type,
	timestamp: new Date().toISOString(),
	data: { ref: null, messageId: null, relayId, to: "ben@example.com", detail: null, tags: [] },
});

let n = 0;
const stream = () => `stream-${Date.now()}-${++n}`;

describe("webhook deliveries", () => {
	it("retries after a receiver's 500 with the same webhook-id, ~30 s later, then doubling", async () => {
		const receiver = await startReceiver([500, 503]);
		try {
			const s = stream();
			const t0 = Date.now();
			await addDelivery(env.DB, { id: `evt_${s}`, stream: s, ref: null, event: event("message.delivered", s) }, t0);
			const target = { url: receiver.url, secret: secretBytes };
			const first = await attemptDelivery(env.DB, target, `evt_${s}`, t0);
			expect(first).toMatchObject({ done: false, dueAt: t0 + FIRST_RETRY_MS, attempt: { ok: false, status: 500 } });
			// Not due yet: nothing is sent.
			expect(await attemptDelivery(env.DB, target, `evt_${s}`, t0 + 1000)).toEqual({
				done: false,
				dueAt: t0 + FIRST_RETRY_MS,
			});
			const second = await attemptDelivery(env.DB, target, `evt_${s}`, t0 + FIRST_RETRY_MS);
			expect(second).toMatchObject({ done: false, dueAt: t0 + 3 * FIRST_RETRY_MS, attempt: { status: 503 } });
			const third = await attemptDelivery(env.DB, target, `evt_${s}`, t0 + 3 * FIRST_RETRY_MS);
			expect(third).toMatchObject({ done: true, attempt: { ok: true, status: 200 } });

			const requests = await receiver.requests();
			expect(requests.map((r) => r.answered)).toEqual([500, 503, 200]);
			expect(new Set(requests.map((r) => r.headers["webhook-id"]))).toEqual(new Set([`evt_${s}`]));
			for (const r of requests) expect(() => new Webhook(SECRET).verify(r.body, r.headers)).not.toThrow();
			expect(await deliveriesOf(env.DB, s)).toMatchObject([{ status: "delivered", attempts: 3, last_status: 200 }]);
		} finally {
			await receiver.stop();
		}
	});

	it("delivers a message's events in order: a later one waits for an earlier one still pending", async () => {
		const receiver = await startReceiver([500]);
		try {
			const s = stream();
			const t0 = Date.now();
			const target = { url: receiver.url, secret: secretBytes };
			await addDelivery(env.DB, { id: `evt_a_${s}`, stream: s, ref: null, event: event("message.delivered", s) }, t0);
			await addDelivery(env.DB, { id: `evt_b_${s}`, stream: s, ref: null, event: event("message.complained", s) }, t0);
			expect((await attemptDelivery(env.DB, target, `evt_a_${s}`, t0)).done).toBe(false); // the 500
			const waiting = await attemptDelivery(env.DB, target, `evt_b_${s}`, t0);
			expect(waiting).toEqual({ done: false, dueAt: t0 + FIRST_RETRY_MS + 1000 });
			expect((await receiver.requests()).length).toBe(1);
			expect((await attemptDelivery(env.DB, target, `evt_a_${s}`, t0 + FIRST_RETRY_MS)).done).toBe(true);
			expect((await attemptDelivery(env.DB, target, `evt_b_${s}`, t0 + FIRST_RETRY_MS + 1000)).done).toBe(true);
			const types = (await receiver.requests()).map((r) => (JSON.parse(r.body) as { type: string }).type);
			expect(types).toEqual(["message.delivered", "message.delivered", "message.complained"]);
		} finally {
			await receiver.stop();
		}
	});

	it("keeps retrying for 24 h, then marks the delivery failed", async () => {
		const receiver = await startReceiver(Array(40).fill(500));
		try {
			const s = stream();
			const t0 = Date.now();
			const target = { url: receiver.url, secret: secretBytes };
			await addDelivery(env.DB, { id: `evt_x_${s}`, stream: s, ref: null, event: event("message.bounced", s) }, t0);
			let now = t0;
			let next = await attemptDelivery(env.DB, target, `evt_x_${s}`, now);
			while (!next.done) {
				now = next.dueAt;
				next = await attemptDelivery(env.DB, target, `evt_x_${s}`, now);
			}
			const [row] = await deliveriesOf(env.DB, s);
			expect(row.status).toBe("failed");
			expect(now - t0).toBeGreaterThanOrEqual(DELIVERY_WINDOW_MS - 3_600_000);
			expect(row.attempts).toBe((await receiver.requests()).length);
		} finally {
			await receiver.stop();
		}
	});

	it("two attempts at once post once: the second finds it claimed and is told to look again after the lease", async () => {
		const receiver = await startReceiver();
		try {
			const s = stream();
			const t0 = Date.now();
			const target = { url: receiver.url, secret: secretBytes };
			await addDelivery(env.DB, { id: `evt_claim_${s}`, stream: s, ref: null, event: event("message.opened", s) }, t0);
			const outcomes = await Promise.all([
				attemptDelivery(env.DB, target, `evt_claim_${s}`, t0),
				attemptDelivery(env.DB, target, `evt_claim_${s}`, t0),
			]);
			expect(outcomes.filter((o) => o.attempt)).toMatchObject([{ done: true, attempt: { ok: true, number: 1 } }]);
			expect(outcomes.filter((o) => !o.attempt)).toEqual([{ done: false, dueAt: t0 + ATTEMPT_LEASE_MS }]);
			expect(await receiver.requests()).toHaveLength(1);
			expect(await deliveriesOf(env.DB, s)).toMatchObject([{ status: "delivered", attempts: 1 }]);
		} finally {
			await receiver.stop();
		}
	});

	it("an attempt that died mid-way (claimed, no outcome) holds its delivery until the lease ends, then it is taken up again; a later event waits a second behind it", async () => {
		const receiver = await startReceiver();
		try {
			const s = stream();
			const t0 = Date.now();
			const target = { url: receiver.url, secret: secretBytes };
			await addDelivery(
				env.DB,
				{ id: `evt_died_${s}`, stream: s, ref: null, event: event("message.delivered", s) },
				t0,
			);
			await addDelivery(env.DB, { id: `evt_next_${s}`, stream: s, ref: null, event: event("message.opened", s) }, t0);
			// What a claim leaves when its Worker dies before the outcome is written.
			await env.DB.prepare("UPDATE webhook_deliveries SET status = 'sending', next_attempt_at = ? WHERE id = ?")
				.bind(t0 + ATTEMPT_LEASE_MS, `evt_died_${s}`)
				.run();
			expect(await attemptDelivery(env.DB, target, `evt_died_${s}`, t0 + 1000)).toEqual({
				done: false,
				dueAt: t0 + ATTEMPT_LEASE_MS,
			});
			expect(await attemptDelivery(env.DB, target, `evt_next_${s}`, t0 + 1000)).toEqual({
				done: false,
				dueAt: t0 + 2000,
			});
			expect(await receiver.requests()).toEqual([]);
			const taken = await attemptDelivery(env.DB, target, `evt_died_${s}`, t0 + ATTEMPT_LEASE_MS);
			expect(taken).toMatchObject({ done: true, attempt: { ok: true, number: 1 } });
			expect((await attemptDelivery(env.DB, target, `evt_next_${s}`, t0 + ATTEMPT_LEASE_MS)).done).toBe(true);
			expect((await receiver.requests()).map((r) => r.headers["webhook-id"])).toEqual([
				`evt_died_${s}`,
				`evt_next_${s}`,
			]);
		} finally {
			await receiver.stop();
		}
	});

	it("stores an event once: the same webhook-id again adds nothing", async () => {
		const s = stream();
		const d = { id: `evt_once_${s}`, stream: s, ref: null, event: event("message.delivered", s) };
		expect(await addDelivery(env.DB, d, Date.now())).toBe(true);
		expect(await addDelivery(env.DB, d, Date.now())).toBe(false);
		expect((await deliveriesOf(env.DB, s)).length).toBe(1);
	});
});
