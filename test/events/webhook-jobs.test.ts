/**
 * Webhook jobs through the real queue consumer (src/records/consumer.ts):
 * the job the consumer queued for a message's event is handed to
 * `consumeQueue` with the test's settings (EVENTS_WEBHOOK_URL / _SECRET reach
 * it through its env, as a deployed consumer's do); the consumer POSTs the
 * event, a receiver's 500 puts the job back on the queue delayed by the
 * backoff, and the next look after it is due delivers it. Checked with
 * `standardwebhooks`. Two copies of one job at once (a queue redelivery while
 * an attempt runs) post once: the attempt is claimed first, and the other
 * copy comes back when the claim's lease ends. The consumer's clock is the
 * test's own (never waited out).
 */
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { ATTEMPT_LEASE_MS } from "../../src/store/timing";
import { FIRST_RETRY_MS } from "../../src/util/backoff";
import { consumeJobs, recordOf, sendAsync } from "../records/support";
import { bodiesOf, type Posted, SECRET, settingsFor, tapQueue, withReceiver } from "./support";

/** An async send delivered by the consumer; answers its ref and the one webhook job it queued. */
async function deliveredAsync(tag: string, settings: ReturnType<typeof settingsFor>) {
	const { body } = await sendAsync(tag, settings.settings);
	await consumeJobs(bodiesOf(settings.tap.take(), "send"), settings.settings);
	const [job, ...others] = bodiesOf(settings.tap.take(), "webhook");
	expect(others).toEqual([]);
	if (job?.kind !== "webhook") throw new Error("no webhook job");
	expect(job.id).toBe(`evt_${body.ref}_sent`);
	return { ref: body.ref, job };
}

describe("webhook jobs in the queue consumer", () => {
	it("posts the event; after a receiver's 500 the job comes back 30 s later and is delivered, same webhook-id", () =>
		withReceiver([500], async (receiver) => {
			const run = settingsFor(receiver.url);
			const { tap, settings } = run;
			const { ref, job } = await deliveredAsync("hook-retry", run);

			const t0 = Date.now();
			const first = await consumeJobs([job], settings, t0);
			// Handled: acked, and back on the queue as a new message delayed by the backoff (no queue retry used up).
			expect(first.explicitAcks).toHaveLength(1);
			expect(first.retryMessages).toEqual([]);
			expect(tap.take()).toEqual([{ body: job, delaySeconds: FIRST_RETRY_MS / 1000 }]);

			// Looked at early (a queue may deliver sooner): nothing is posted, it goes back for the rest of the wait.
			await consumeJobs([job], settings, t0 + 1000);
			expect(tap.take()).toEqual([{ body: job, delaySeconds: FIRST_RETRY_MS / 1000 - 1 }]);
			expect(await receiver.requests()).toHaveLength(1);

			await consumeJobs([job], settings, t0 + FIRST_RETRY_MS);
			expect(tap.take()).toEqual([]);
			const requests = await receiver.requests();
			expect(requests.map((r) => r.answered)).toEqual([500, 200]);
			expect(requests.map((r) => r.headers["webhook-id"])).toEqual([job.id, job.id]);
			// Each attempt is signed afresh, at the attempt's time, and verifies.
			expect(requests[1]?.headers["webhook-timestamp"]).toBe(String(Math.floor((t0 + FIRST_RETRY_MS) / 1000)));
			const record = await recordOf(ref);
			for (const r of requests) {
				const posted = new Webhook(SECRET).verify(r.body, r.headers) as Posted;
				expect(posted).toMatchObject({
					type: "message.sent",
					data: { ref, relayId: record.relayId, messageId: record.messageId },
				});
			}
			expect(record.events?.filter((e) => e.type === "webhook.attempt").map((e) => e.detail)).toMatchObject([
				{ webhookId: job.id, event: "message.sent", attempt: 1, ok: false, status: 500 },
				{ webhookId: job.id, event: "message.sent", attempt: 2, ok: true, status: 200 },
			]);

			// Delivered: the same job again (at-least-once delivery) is acked and posts nothing.
			const again = await consumeJobs([job], settings, t0 + 2 * FIRST_RETRY_MS);
			expect(again.explicitAcks).toHaveLength(1);
			expect(tap.take()).toEqual([]);
			expect(await receiver.requests()).toHaveLength(2);
		}));

	it("two copies of one job at once (a redelivery while an attempt runs) post once; the other comes back after the lease", () =>
		withReceiver([], async (receiver) => {
			const run = settingsFor(receiver.url);
			const { tap, settings } = run;
			const { ref, job } = await deliveredAsync("hook-twice", run);

			const t0 = Date.now();
			// One batch, run side by side by the consumer, as a redelivered copy would be.
			const both = await consumeJobs([job, job], settings, t0);
			expect(both.explicitAcks).toHaveLength(2);
			expect(await receiver.requests()).toHaveLength(1);
			expect(tap.take()).toEqual([{ body: job, delaySeconds: ATTEMPT_LEASE_MS / 1000 }]);

			// A copy that came back finds it delivered.
			await consumeJobs([job], settings, t0 + ATTEMPT_LEASE_MS);
			expect(tap.take()).toEqual([]);
			const requests = await receiver.requests();
			expect(requests).toHaveLength(1);
			const [request] = requests;
			if (!request) throw new Error("nothing posted");
			expect(() => new Webhook(SECRET).verify(request.body, request.headers)).not.toThrow();
			const attempts = (await recordOf(ref)).events?.filter((e) => e.type === "webhook.attempt");
			expect(attempts?.map((e) => e.detail)).toMatchObject([{ webhookId: job.id, attempt: 1, ok: true }]);
		}));

	it("with the events settings gone since it was queued, the job is acked and nothing is posted", () =>
		withReceiver([], async (receiver) => {
			const run = settingsFor(receiver.url);
			const { ref, job } = await deliveredAsync("hook-off", run);
			const off = tapQueue();
			const result = await consumeJobs([job], off.binding);
			expect(result.explicitAcks).toHaveLength(1);
			expect(off.take()).toEqual([]);
			expect(await receiver.requests()).toEqual([]);
			expect((await recordOf(ref)).events?.map((e) => e.type)).toEqual(["queued", "sent"]);
		}));
});
