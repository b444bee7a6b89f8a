/**
 * Provider events that come before their record (issue 14), with webhooks
 * on and the queue bound: the callback publishes nothing and queues a
 * `held-event` job delayed by the hold. When the record is written within
 * it, the receiver gets the record's message.sent and then the event, both
 * with the ref, each once, and the held job finds nothing left to do; when
 * no record claims it, the job, at the end of the hold, sends it with
 * `ref: null`, and a record written later still sends no second copy.
 * Jobs are the ones the app and the consumer queued (a tap on SEND_QUEUE),
 * run by the real consumer at a clock the test sets from the event's own
 * received time; a real receiver checks each with `standardwebhooks`.
 */
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { UNMATCHED_HOLD_MS } from "../../src/events/held-events";
import { recordWritten } from "../../src/events/record-written";
import { deliveriesOf } from "../../src/events/webhook-deliveries";
import { publish } from "../../src/events/webhook-job";
import type { QueueJob } from "../../src/records/consumer";
import { getRecord, moveStatus } from "../../src/store/messages";
import { message, type Overrides, post, relayAt } from "../api/support";
import { startFaultRelay } from "../helpers/faults";
import { consumeJobs, recordOf, sendAsync } from "../records/support";
import {
	bodiesOf,
	holdEndOf,
	type Posted,
	postCallback,
	type Received,
	relayId,
	runWebhookJobs,
	SECRET,
	sentRecord,
	settingsFor,
	startReceiver,
	statusCallback,
	type tapQueue,
} from "./support";

const verified = (requests: Received[]) => requests.map((r) => new Webhook(SECRET).verify(r.body, r.headers) as Posted);

/** Posts a bounce for `id` with the test's settings; answers the one job it queued, which must be a held event. */
async function bounceFirst(id: string, to: string, tap: ReturnType<typeof tapQueue>, settings: Overrides) {
	expect((await postCallback(statusCallback(id, "invalid_email", to), {}, settings)).status).toBe(200);
	const [held, ...more] = tap.take();
	expect(more).toEqual([]);
	expect(held).toMatchObject({ body: { kind: "held-event" }, delaySeconds: UNMATCHED_HOLD_MS / 1000 });
	// Nothing is published yet: no delivery in the relay id's stream.
	expect(await deliveriesOf(env.DB, id)).toEqual([]);
	return held.body as QueueJob & { id: string };
}

/** The held job at the end of its hold, when its record has claimed the event: acked, nothing queued. */
async function heldJobFindsItAttached(
	job: QueueJob & { id: string },
	tap: ReturnType<typeof tapQueue>,
	settings: Overrides,
) {
	const result = await consumeJobs([job], settings, await holdEndOf(job.id));
	expect(result.explicitAcks).toHaveLength(1);
	expect(tap.take()).toEqual([]);
}

/** A receiver, and a relay that answers `250 #<id>#Queued` with an id the test knows, so its callback can come first. */
async function withKnownRelayId(
	tag: string,
	run: (id: string, receiver: Awaited<ReturnType<typeof startReceiver>>, port: number) => Promise<void>,
) {
	const receiver = await startReceiver();
	const id = relayId(tag);
	const relay = await startFaultRelay({ security: "starttls", at: { message: { reply: `250 #${id}#Queued` } } });
	try {
		await run(id, receiver, relay.port);
	} finally {
		await Promise.all([receiver.stop(), relay.stop()]);
	}
}

/** What the receiver got: the record's message.sent, then the held bounce, both with the ref, each once. */
async function sentThenBounce(requests: Received[], ref: string, heldId: string): Promise<Posted[]> {
	expect(requests.map((r) => r.headers["webhook-id"])).toEqual([`evt_${ref}_sent`, heldId]);
	const posted = verified(requests);
	expect(posted.map((p) => [p.type, p.data.ref])).toEqual([
		["message.sent", ref],
		["message.bounced", ref],
	]);
	return posted;
}

describe("provider events held until their record exists", () => {
	it("a bounce before its async record goes out after message.sent, both with the ref, each once", () =>
		withKnownRelayId("held-async", async (id, receiver, port) => {
			const { tap, settings } = settingsFor(receiver.url, relayAt(port));
			const to = `held-async-${Date.now()}@example.com`;
			const held = await bounceFirst(id, to, tap, settings);
			expect(await receiver.requests()).toEqual([]);

			const { body } = await sendAsync("held-async", settings);
			await consumeJobs(bodiesOf(tap.take(), "send"), settings);
			await runWebhookJobs(tap, settings);
			await heldJobFindsItAttached(held, tap, settings);

			const record = await recordOf(body.ref);
			expect(record).toMatchObject({ relayId: id, status: "bounced" });
			const posted = await sentThenBounce(await receiver.requests(), body.ref, held.id);
			expect(posted[1].data).toEqual({
				ref: body.ref,
				messageId: record.messageId,
				relayId: id,
				to,
				detail: "invalid_email by test",
				tags: [],
			});
		}));

	it("a bounce before its sync send's record goes out after message.sent, both with the ref, each once", () =>
		withKnownRelayId("held-sync", async (id, receiver, port) => {
			const { tap, settings } = settingsFor(receiver.url, relayAt(port));
			const held = await bounceFirst(id, `held-sync-${Date.now()}@example.com`, tap, settings);
			const response = await post("/v1/send", message("held-sync"), settings);
			expect(response.status).toBe(200);
			const { ref } = (await response.json()) as { ref: string };
			await runWebhookJobs(tap, settings);
			await heldJobFindsItAttached(held, tap, settings);
			await sentThenBounce(await receiver.requests(), ref, held.id);
		}));

	it("an event no record claims goes out with ref null at the end of its hold; a record written later sends no second copy", async () => {
		const receiver = await startReceiver();
		try {
			const { tap, settings } = settingsFor(receiver.url);
			const id = relayId("held-unclaimed");
			const held = await bounceFirst(id, "ben@example.com", tap, settings);
			const due = await holdEndOf(held.id);

			// Handed over a second early (a queue may): back on the queue for the rest of the hold, nothing published.
			const early = await consumeJobs([held], settings, due - 1000);
			expect(early.explicitAcks).toHaveLength(1);
			expect(tap.take()).toEqual([{ body: held, delaySeconds: 1 }]);
			expect(await deliveriesOf(env.DB, id)).toEqual([]);

			await consumeJobs([held], settings, due);
			expect(bodiesOf(tap.take(), "webhook")).toEqual([{ kind: "webhook", id: held.id }]);
			await consumeJobs([{ kind: "webhook", id: held.id }], settings, due);
			const [first] = verified(await receiver.requests());
			expect(first).toMatchObject({
				type: "message.bounced",
				data: { ref: null, messageId: null, relayId: id, to: "ben@example.com" },
			});
			expect(await deliveriesOf(env.DB, id)).toMatchObject([{ id: held.id, ref: null, status: "delivered" }]);

			// The same job again (a redelivery) publishes nothing more.
			await consumeJobs([held], settings, due + 1000);
			expect(tap.take()).toEqual([]);

			// A record with that relay id, written after the hold: its message.sent goes out, the bounce does not again.
			const ref = await sentRecord(id);
			await recordWritten(env.DB, tap.queue, true, ref, Date.now());
			await runWebhookJobs(tap, settings);
			const requests = await receiver.requests();
			expect(requests.map((r) => r.headers["webhook-id"])).toEqual([held.id, `evt_${ref}_sent`]);
			expect((await getRecord(env.DB, ref))?.status).toBe("bounced");
		} finally {
			await receiver.stop();
		}
	});

	it("the held job's publish stores nothing once a record has claimed the event (the record's copy is the only one)", async () => {
		const { tap, settings } = settingsFor("http://127.0.0.1:9/never");
		const id = relayId("held-race");
		const held = await bounceFirst(id, "ben@example.com", tap, settings);
		// The record claims the event between the job's look and its write (webhooks off here: nothing of its own is published).
		const ref = await sentRecord(id);
		await recordWritten(env.DB, undefined, false, ref, Date.now());
		const event = {
			type: "message.bounced",
			timestamp: new Date().toISOString(),
			data: { ref: null, messageId: null, relayId: id, to: null, detail: null, tags: [] },
		};
		const stored = await publish(
			env.DB,
			tap.queue,
			{ id: held.id, ref: null, relayId: id, event, onlyWhileUnattached: true },
			Date.now(),
		);
		expect(stored).toBe(false);
		expect(tap.take()).toEqual([]);
		expect(await deliveriesOf(env.DB, id)).toEqual([]);
	});

	it("an event for a record whose message.sent is not out yet goes out behind it, in the record's stream", async () => {
		const receiver = await startReceiver();
		try {
			const { tap, settings } = settingsFor(receiver.url);
			const id = relayId("not-announced");
			// Written, not yet announced: the send's own background work has not run.
			const ref = await sentRecord(id);
			expect((await postCallback(statusCallback(id, "invalid_email", "ben@example.com"), {}, settings)).status).toBe(
				200,
			);
			expect((await deliveriesOf(env.DB, ref)).map((d) => d.type)).toEqual(["message.sent", "message.bounced"]);
			await runWebhookJobs(tap, settings);
			expect(verified(await receiver.requests()).map((p) => [p.type, p.data.ref])).toEqual([
				["message.sent", ref],
				["message.bounced", ref],
			]);
		} finally {
			await receiver.stop();
		}
	});
	it("an event for a record still waiting for a partial retry is held until the record is final, then follows message.sent", async () => {
		const receiver = await startReceiver();
		try {
			const { tap, settings } = settingsFor(receiver.url);
			const id = relayId("partial-retry");
			// After a partial 4xx: the first attempt's relay id is on the record, which is queued for the retry.
			const ref = await sentRecord(id);
			await env.DB.prepare("UPDATE messages SET status = 'queued', sent_at = NULL WHERE ref = ?").bind(ref).run();
			const held = await bounceFirst(id, "ben@example.com", tap, settings);
			expect(await deliveriesOf(env.DB, ref)).toEqual([]);

			// The hold is over but the record is not final: held on, nothing published.
			await consumeJobs([held], settings, await holdEndOf(held.id));
			const [again, ...more] = tap.take();
			expect(more).toEqual([]);
			expect(again).toMatchObject({ body: held });
			expect(again?.delaySeconds).toBeGreaterThanOrEqual(UNMATCHED_HOLD_MS / 1000);
			expect(await deliveriesOf(env.DB, ref)).toEqual([]);
			expect(await deliveriesOf(env.DB, id)).toEqual([]);

			// The retry delivers the rest: the record is final, and its writer sends message.sent, then the bounce.
			expect(await moveStatus(env.DB, ref, ["queued"], "sent", { sentAt: Date.now(), final: true })).toBe(true);
			await recordWritten(env.DB, tap.queue, true, ref, Date.now());
			await runWebhookJobs(tap, settings);
			await sentThenBounce(await receiver.requests(), ref, held.id);
			expect((await getRecord(env.DB, ref))?.status).toBe("bounced");
			await heldJobFindsItAttached(held, tap, settings);
		} finally {
			await receiver.stop();
		}
	});
});
