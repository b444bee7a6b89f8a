/**
 * Webhook jobs that never reached the queue lose nothing (issue 20, findings
 * 6 and 10): every outbound event is a row in the outbox of the object that
 * made it, written in the same transaction as the change it announces, and
 * the object's sweep queues any row whose job is late. So a callback whose
 * queue send failed still answers 200, and the sweep delivers its event, with
 * a later event of the same message behind it; a sync send's and a cancel's
 * own final event go out the same way, with no background work to lose.
 */
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import type { DueJob } from "../../src/store/jobs";
import { SWEEP_AFTER_MS } from "../../src/store/timing";
import { message, post, relayAt } from "../api/support";
import { startRelay } from "../helpers/relay";
import { consumeJobs } from "../records/support";
import { acceptInput } from "../store/support";
import {
	bodiesOf,
	enqueue,
	type Posted,
	postCallback,
	relayId,
	responseCallback,
	runWebhookJobs,
	SECRET,
	sentRecord,
	settingsFor,
	shardOfRef,
	startReceiver,
	statusCallback,
	syncInput,
	withReceiver,
} from "./support";

/** SEND_QUEUE refusing every job, as a queue that is down does. */
const brokenQueue = {
	SEND_QUEUE: {
		send: () => Promise.reject(new Error("queue down (test fault)")),
		sendBatch: () => Promise.reject(new Error("queue down (test fault)")),
	},
} as unknown as Parameters<typeof settingsFor>[1];

/** The webhook jobs of one record's stream that a sweep at `at` answers (the shard holds other tests' rows too). */
async function sweptFor(ref: string, at: number): Promise<DueJob[]> {
	const { shard } = shardOfRef(ref);
	const ids = new Set((await shard.deliveriesOf(ref)).map((d) => d.id));
	const { jobs } = await shard.sweep(at);
	return jobs.filter((j) => j.job.kind === "webhook" && ids.has(j.job.id));
}

const typesPosted = async (receiver: Awaited<ReturnType<typeof startReceiver>>) =>
	(await receiver.requests()).map((r) => (new Webhook(SECRET).verify(r.body, r.headers) as Posted).type);

describe("webhook jobs lost on the way to the queue", () => {
	it("a callback whose queue send fails answers 200; the sweep delivers its event, and a later one follows in order (finding 6)", () =>
		withReceiver([], async (receiver) => {
			const { tap, settings } = settingsFor(receiver.url);
			const id = relayId("lost");
			const { ref, jobs } = await sentRecord(id);
			await enqueue(tap, jobs);
			await runWebhookJobs(tap, settings);

			const t0 = Date.now();
			const lost = await postCallback(
				statusCallback(id, "delivered", "ben@example.com"),
				{},
				{
					...settings,
					...brokenQueue,
				},
			);
			expect(lost.status).toBe(200);
			expect(tap.take()).toEqual([]);
			// A later event of the same message, its job queued: it waits behind the one whose job was lost.
			expect((await postCallback(responseCallback(id, "open", "ben@example.com"), {}, settings)).status).toBe(200);
			const [opened] = bodiesOf(tap.take(), "webhook");
			if (!opened) throw new Error("no job for the open");
			await consumeJobs([opened], settings, t0);
			// Back on the queue a second or two later, for as long as the earlier one is pending.
			const [back, ...more] = tap.take();
			expect(more).toEqual([]);
			expect(back?.body).toEqual(opened);
			expect(back?.delaySeconds).toBeLessThanOrEqual(2);
			expect(await typesPosted(receiver)).toEqual(["message.sent"]);

			// The sweep finds the late row and queues it again; both go out, in order.
			const swept = await sweptFor(ref, t0 + SWEEP_AFTER_MS + 1000);
			expect(swept.map((j) => j.job.kind)).toContain("webhook");
			await enqueue(tap, [...swept, { job: opened, delaySeconds: 0 }]);
			await runWebhookJobs(tap, settings, t0 + SWEEP_AFTER_MS + 1000);
			expect(await typesPosted(receiver)).toEqual(["message.sent", "message.delivered", "message.opened"]);
		}));

	it("a sync send's message.sent is in its record's outbox from the start: with its job lost, the sweep sends it (finding 10)", () =>
		withReceiver([], async (receiver) => {
			const { tap, settings } = settingsFor(receiver.url);
			const input = syncInput(relayId("sync-lost"));
			const { shard } = shardOfRef(input.ref);
			const t0 = Date.now();
			expect(await shard.recordSync([input], t0)).toEqual([`evt_${input.ref}_sent`]);
			// Nobody queued its job (the Worker ended right after the answer).
			expect(await sweptFor(input.ref, t0 + SWEEP_AFTER_MS - 1000)).toEqual([]);
			const swept = await sweptFor(input.ref, t0 + SWEEP_AFTER_MS + 1000);
			expect(swept).toHaveLength(1);
			await enqueue(tap, swept);
			await runWebhookJobs(tap, settings, t0 + SWEEP_AFTER_MS + 1000);
			expect(await typesPosted(receiver)).toEqual(["message.sent"]);
		}));

	it("a sync send through the app with its queue down answers 200, and the sweep sends its message.sent (finding 10)", async () => {
		const receiver = await startReceiver();
		const relay = await startRelay({ security: "starttls" });
		try {
			const { tap, settings } = settingsFor(receiver.url, relayAt(relay.port));
			const t0 = Date.now();
			const response = await post("/v1/send", message("sync-queue-down"), { ...settings, ...brokenQueue });
			expect(response.status).toBe(200);
			const { ref } = (await response.json()) as { ref: string };
			expect(tap.take()).toEqual([]);
			const swept = await sweptFor(ref, t0 + SWEEP_AFTER_MS + 5000);
			expect(swept).toHaveLength(1);
			await enqueue(tap, swept);
			await runWebhookJobs(tap, settings, t0 + SWEEP_AFTER_MS + 5000);
			expect(await typesPosted(receiver)).toEqual(["message.sent"]);
		} finally {
			await Promise.all([receiver.stop(), relay.stop()]);
		}
	});

	it("a cancel's message.canceled is written with the cancel: with its job lost, the sweep sends it (finding 10)", () =>
		withReceiver([], async (receiver) => {
			const { tap, settings } = settingsFor(receiver.url);
			const t0 = Date.now();
			const input = acceptInput({ dueAt: t0 + 3_600_000, sendAt: t0 + 3_600_000 }, t0);
			const { shard } = shardOfRef(input.ref);
			// With webhooks on, a scheduled send files message.scheduled first; its job is lost too.
			expect(await shard.accept(input, t0)).toMatchObject({
				status: "scheduled",
				outbox: [`evt_${input.ref}_scheduled`],
			});
			expect(await shard.cancel(input.ref, input.owner, t0)).toEqual({
				kind: "canceled",
				outbox: [`evt_${input.ref}_canceled`],
			});
			const swept = await sweptFor(input.ref, t0 + SWEEP_AFTER_MS + 1000);
			await enqueue(tap, swept);
			await runWebhookJobs(tap, settings, t0 + SWEEP_AFTER_MS + 1000);
			const [scheduled, canceled, ...more] = await receiver.requests();
			if (!scheduled || !canceled) throw new Error("not both posted");
			expect(more).toEqual([]);
			expect(new Webhook(SECRET).verify(scheduled.body, scheduled.headers)).toMatchObject({
				type: "message.scheduled",
				data: { ref: input.ref },
			});
			expect(new Webhook(SECRET).verify(canceled.body, canceled.headers)).toMatchObject({
				type: "message.canceled",
				data: { ref: input.ref, relayId: "", tags: input.tags },
			});
		}));
});
