/**
 * Outbound event deliveries from a record's outbox (store/outbox.ts), one
 * look at a time as the queue consumer runs them (events/webhook-job.ts
 * `runWebhookJob`): a receiver's 500 brings the same event (same webhook-id,
 * freshly signed) back about 30 s later, doubling; each attempt is on the
 * record's timeline; a message's events reach the receiver in order; after
 * 24 h it gives up; two looks at once post once (the first claims it for a
 * lease), and a claim whose attempt died is taken up again when its lease
 * ends; with the webhook settings gone it is settled without a post, for
 * good. Time is the test's own (`now`), never waited for.
 */
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { linkedEventOf } from "../../src/events/callback-events";
import { parseCallback } from "../../src/events/engagelab-payload";
import { runWebhookJob } from "../../src/events/webhook-job";
import type { WebhookJob } from "../../src/store/jobs";
import { ATTEMPT_LEASE_MS, SWEEP_AFTER_MS } from "../../src/store/timing";
import { DELIVERY_WINDOW_MS, FIRST_RETRY_MS } from "../../src/util/backoff";
import { decodeBase64 } from "../../src/util/bytes";
import { type Posted, relayId, SECRET, sentRecord, statusCallback, stored, withReceiver } from "./support";

const store = { MESSAGES: env.MESSAGES, RELAY_INDEX: env.RELAY_INDEX };
const configFor = (url: string) => ({
	events: { webhookUrl: url, webhookSecret: decodeBase64(SECRET.slice(6)) as Uint8Array, format: "edgesend" as const },
});

/** A sent record's message.sent, and (with `then`) a provider event of it behind it in its outbox. */
async function recordWithEvents(tag: string, then?: string) {
	const relay = relayId(tag);
	const { ref, object, shard, jobs } = await sentRecord(relay);
	const sent = jobs[0]?.job as WebhookJob;
	if (!then) return { ref, shard, jobs: [sent] };
	const parsed = await parseCallback(statusCallback(relay, then, "ben@example.com"), Date.now());
	if (!parsed.ok) throw new Error(parsed.error);
	const event = linkedEventOf(parsed.events[0] as (typeof parsed.events)[0]);
	const [linked] = await shard.linkEvents(ref, [event], [], Date.now());
	expect(linked).toMatchObject({ kind: "new", outbox: [event.id] });
	return { ref, shard, jobs: [sent, { kind: "webhook" as const, object, id: event.id }] };
}

describe("webhook deliveries", () => {
	it("retries after a receiver's 500 with the same webhook-id, ~30 s later, then doubling; each attempt on the record", () =>
		withReceiver([500, 503], async (receiver) => {
			const { ref, shard, jobs } = await recordWithEvents("retry");
			const [job] = jobs as [WebhookJob];
			const config = configFor(receiver.url);
			const t0 = Date.now();
			expect(await runWebhookJob(store, config, job, t0)).toEqual({ done: false, dueAt: t0 + FIRST_RETRY_MS });
			// Not due yet: nothing is sent.
			expect(await runWebhookJob(store, config, job, t0 + 1000)).toEqual({ done: false, dueAt: t0 + FIRST_RETRY_MS });
			expect(await runWebhookJob(store, config, job, t0 + FIRST_RETRY_MS)).toEqual({
				done: false,
				dueAt: t0 + 3 * FIRST_RETRY_MS,
			});
			expect(await runWebhookJob(store, config, job, t0 + 3 * FIRST_RETRY_MS)).toEqual({ done: true });

			const requests = await receiver.requests();
			expect(requests.map((r) => r.answered)).toEqual([500, 503, 200]);
			expect(new Set(requests.map((r) => r.headers["webhook-id"]))).toEqual(new Set([job.id]));
			// Each attempt is signed afresh, at its own time, and verifies.
			expect(requests[2]?.headers["webhook-timestamp"]).toBe(String(Math.floor((t0 + 3 * FIRST_RETRY_MS) / 1000)));
			for (const r of requests) expect(() => new Webhook(SECRET).verify(r.body, r.headers)).not.toThrow();
			expect(await shard.deliveriesOf(ref)).toMatchObject([{ status: "delivered", attempts: 3, lastStatus: 200 }]);
			const attempts = (await stored(ref)).events.filter((e) => e.type === "webhook.attempt");
			expect(attempts.map((e) => e.detail)).toEqual([
				{ webhookId: job.id, event: "message.sent", attempt: 1, ok: false, status: 500 },
				{ webhookId: job.id, event: "message.sent", attempt: 2, ok: false, status: 503 },
				{ webhookId: job.id, event: "message.sent", attempt: 3, ok: true, status: 200 },
			]);
			// Delivered: the same job again (at-least-once delivery) is done and posts nothing.
			expect(await runWebhookJob(store, config, job, t0 + 4 * FIRST_RETRY_MS)).toEqual({ done: true });
			expect(await receiver.requests()).toHaveLength(3);
		}));

	it("delivers a message's events in order: a later one waits for an earlier one still pending", () =>
		withReceiver([500], async (receiver) => {
			const { jobs } = await recordWithEvents("order", "delivered");
			const [sent, delivered] = jobs as [WebhookJob, WebhookJob];
			const config = configFor(receiver.url);
			const t0 = Date.now();
			expect((await runWebhookJob(store, config, sent, t0)).done).toBe(false); // the 500
			expect(await runWebhookJob(store, config, delivered, t0)).toEqual({
				done: false,
				dueAt: t0 + FIRST_RETRY_MS + 1000,
			});
			expect(await receiver.requests()).toHaveLength(1);
			expect((await runWebhookJob(store, config, sent, t0 + FIRST_RETRY_MS)).done).toBe(true);
			expect((await runWebhookJob(store, config, delivered, t0 + FIRST_RETRY_MS + 1000)).done).toBe(true);
			const types = (await receiver.requests()).map((r) => (JSON.parse(r.body) as Posted).type);
			expect(types).toEqual(["message.sent", "message.sent", "message.delivered"]);
		}));

	it("keeps retrying for 24 h, then marks the delivery failed", () =>
		withReceiver(Array(40).fill(500), async (receiver) => {
			const { ref, shard, jobs } = await recordWithEvents("give-up");
			const [job] = jobs as [WebhookJob];
			const config = configFor(receiver.url);
			const t0 = Date.now();
			let now = t0;
			let next = await runWebhookJob(store, config, job, now);
			while (!next.done) {
				now = next.dueAt;
				next = await runWebhookJob(store, config, job, now);
			}
			const [row] = await shard.deliveriesOf(ref);
			expect(row?.status).toBe("failed");
			expect(now - t0).toBeGreaterThanOrEqual(DELIVERY_WINDOW_MS - 3_600_000);
			expect(row?.attempts).toBe((await receiver.requests()).length);
		}));

	it("two looks at once post once: the other finds it claimed and is told to look again after the lease", () =>
		withReceiver([], async (receiver) => {
			const { ref, shard, jobs } = await recordWithEvents("claim");
			const [job] = jobs as [WebhookJob];
			const config = configFor(receiver.url);
			const t0 = Date.now();
			const outcomes = await Promise.all([
				runWebhookJob(store, config, job, t0),
				runWebhookJob(store, config, job, t0),
			]);
			expect(await receiver.requests()).toHaveLength(1);
			expect(outcomes).toContainEqual({ done: true });
			for (const o of outcomes) expect([true, t0 + ATTEMPT_LEASE_MS]).toContain(o.done || o.dueAt);
			expect(await shard.deliveriesOf(ref)).toMatchObject([{ status: "delivered", attempts: 1 }]);
		}));

	it("an attempt that died mid-way (claimed, no outcome) holds its delivery until the lease ends, then it is taken up again; a later event waits a second behind it", () =>
		withReceiver([], async (receiver) => {
			const { shard, jobs } = await recordWithEvents("died", "delivered");
			const [sent, delivered] = jobs as [WebhookJob, WebhookJob];
			const config = configFor(receiver.url);
			const t0 = Date.now();
			// What a claim leaves when its Worker dies before the outcome is written.
			expect(await shard.claimDelivery(sent.id, t0)).toMatchObject({ kind: "claimed" });
			expect(await runWebhookJob(store, config, sent, t0 + 1000)).toEqual({
				done: false,
				dueAt: t0 + ATTEMPT_LEASE_MS,
			});
			expect(await runWebhookJob(store, config, delivered, t0 + 1000)).toEqual({ done: false, dueAt: t0 + 2000 });
			expect(await receiver.requests()).toEqual([]);
			expect(await runWebhookJob(store, config, sent, t0 + ATTEMPT_LEASE_MS)).toEqual({ done: true });
			expect(await runWebhookJob(store, config, delivered, t0 + ATTEMPT_LEASE_MS)).toEqual({ done: true });
			expect((await receiver.requests()).map((r) => r.headers["webhook-id"])).toEqual([sent.id, delivered.id]);
		}));

	it("files an event once: the same event again adds no delivery", async () => {
		const { ref, shard } = await recordWithEvents("once", "delivered");
		const relay = (await stored(ref)).record.relayId as string;
		const later = { ...statusCallback(relay, "delivered", "ben@example.com"), itime: Date.now() + 60_000 };
		const parsed = await parseCallback(later, Date.now());
		if (!parsed.ok) throw new Error(parsed.error);
		// The same content but another itime is another event; the very same event is a repeat.
		const again = linkedEventOf(parsed.events[0] as (typeof parsed.events)[0]);
		expect((await shard.linkEvents(ref, [again], [], Date.now()))[0]).toMatchObject({ kind: "new" });
		expect((await shard.linkEvents(ref, [again], [], Date.now()))[0]).toEqual({ kind: "repeat", outbox: [] });
		expect((await shard.deliveriesOf(ref)).map((d) => d.type)).toEqual([
			"message.sent",
			"message.delivered",
			"message.delivered",
		]);
	});

	it("with the webhook settings gone since it was filed: settled for good without a post, and the sweep leaves it", () =>
		withReceiver([], async (receiver) => {
			const { ref, shard, jobs } = await recordWithEvents("off");
			const [job] = jobs as [WebhookJob];
			const t0 = Date.now();
			expect(await runWebhookJob(store, { events: { format: "edgesend" } }, job, t0)).toEqual({ done: true });
			expect(await receiver.requests()).toEqual([]);
			expect(await shard.deliveriesOf(ref)).toMatchObject([{ status: "failed", attempts: 1, lastStatus: 0 }]);
			expect((await stored(ref)).events.map((e) => e.type)).toEqual(["sent"]);
			const swept = await shard.sweep(t0 + 2 * SWEEP_AFTER_MS);
			expect(swept.jobs.filter((j) => j.job.kind === "webhook" && j.job.id === job.id)).toEqual([]);
		}));
});
