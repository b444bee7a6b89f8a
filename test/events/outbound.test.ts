/**
 * Outbound events: a new provider event of a record goes to
 * EVENTS_WEBHOOK_URL signed as a Standard Webhook, and the official
 * `standardwebhooks` package accepts it (and catches tampering); its
 * webhook-id is stable for the event, and a redelivered callback queues
 * nothing more. The provider's own bookkeeping is never sent.
 */
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import {
	bodiesOf,
	enqueue,
	type Posted,
	postCallback,
	relayId,
	runWebhookJobs,
	SECRET,
	sentRecord,
	settingsFor,
	statusCallback,
	withReceiver,
} from "./support";

describe("outbound event webhooks", () => {
	it("signs message.bounced so that standardwebhooks verifies it, and sends a redelivered callback's event once", () =>
		withReceiver([], async (receiver) => {
			const { tap, settings } = settingsFor(receiver.url);
			const id = relayId("out");
			const { ref, jobs } = await sentRecord(id);
			await enqueue(tap, jobs);
			await runWebhookJobs(tap, settings);
			const to = `out-${Date.now()}@example.com`;
			const body = statusCallback(id, "invalid_email", to);
			expect((await postCallback(body, {}, settings)).status).toBe(200);
			const queued = tap.take();
			expect(bodiesOf(queued, "webhook")).toHaveLength(1);
			expect((await postCallback(body, { timestamp: String(Date.now() + 1) }, settings)).status).toBe(200);
			expect(tap.take()).toEqual([]);
			await enqueue(
				tap,
				queued.map(({ body: job }) => ({ job, delaySeconds: 0 })),
			);
			await runWebhookJobs(tap, settings);

			const requests = await receiver.requests();
			expect(requests).toHaveLength(2);
			const request = requests[1];
			if (!request) throw new Error("no bounce posted");
			const verified = new Webhook(SECRET).verify(request.body, request.headers) as Posted;
			expect(verified.type).toBe("message.bounced");
			expect(verified.data).toMatchObject({ ref, relayId: id, to, detail: "invalid_email by test" });
			expect(request.headers["webhook-id"]).toMatch(/^evt_/);
			// Tampering is caught by the same verifier.
			expect(() => new Webhook(SECRET).verify(request.body.replace(to, "x@example.com"), request.headers)).toThrow();
		}));

	it("sends nothing for the provider's own bookkeeping (target, sent)", async () => {
		const { tap, settings } = settingsFor("http://127.0.0.1:9/never");
		const id = relayId("quiet");
		const { ref, shard } = await sentRecord(id);
		await postCallback(statusCallback(id, "target", "ben@example.com"), {}, settings);
		await postCallback(statusCallback(id, "sent", "ben@example.com"), {}, settings);
		expect(tap.take()).toEqual([]);
		expect((await shard.deliveriesOf(ref)).map((d) => d.type)).toEqual(["message.sent"]);
	});
});
