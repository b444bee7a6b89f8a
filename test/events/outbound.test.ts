/**
 * Outbound events: a new provider event goes to EVENTS_WEBHOOK_URL signed as a
 * Standard Webhook, and the official `standardwebhooks` package accepts it;
 * its webhook-id is stable for the event, and a redelivered callback sends nothing.
 */
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { postCallback, relayId, startReceiver, statusCallback } from "./support";

const SECRET = `whsec_${btoa("edgesend-outbound-test-secret-32b")}`;

describe("outbound event webhooks", () => {
	it("signs message.bounced so that standardwebhooks verifies it, and sends a redelivery once", async () => {
		const receiver = await startReceiver();
		try {
			const id = relayId("out");
			const to = `out-${Date.now()}@example.com`;
			// Without the queue, the first attempt runs right after the callback (the queue path: webhook-deliveries tests).
			const settings = { EVENTS_WEBHOOK_URL: receiver.url, EVENTS_WEBHOOK_SECRET: SECRET, SEND_QUEUE: undefined };
			const body = statusCallback(id, "invalid_email", to);
			expect((await postCallback(body, {}, settings)).status).toBe(200);
			expect((await postCallback(body, { timestamp: String(Date.now() + 1) }, settings)).status).toBe(200);

			const requests = await receiver.requests();
			expect(requests.length).toBe(1);
			const [request] = requests;
			const verified = new Webhook(SECRET).verify(request.body, request.headers) as {
				type: string;
				timestamp: string;
				data: Record<string, unknown>;
			};
			expect(verified.type).toBe("message.bounced");
			expect(verified.data).toMatchObject({ relayId: id, to, detail: "invalid_email by test" });
			expect(request.headers["webhook-id"]).toMatch(/^evt_/);
			// Tampering is caught by the same verifier.
			expect(() => new Webhook(SECRET).verify(request.body.replace(to, "x@example.com"), request.headers)).toThrow();
		} finally {
			await receiver.stop();
		}
	});

	it("sends nothing for the provider's own bookkeeping (target, sent)", async () => {
		const receiver = await startReceiver();
		try {
			const settings = { EVENTS_WEBHOOK_URL: receiver.url, EVENTS_WEBHOOK_SECRET: SECRET, SEND_QUEUE: undefined };
			const id = relayId("quiet");
			await postCallback(statusCallback(id, "target", "ben@example.com"), {}, settings);
			await postCallback(statusCallback(id, "sent", "ben@example.com"), {}, settings);
			expect(await receiver.requests()).toEqual([]);
		} finally {
			await receiver.stop();
		}
	});
});
