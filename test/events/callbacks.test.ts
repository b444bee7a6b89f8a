/**
 * What a signed callback does: each provider event type maps to ours, is kept
 * once (a redelivery changes nothing, also for the suppression list), and a
 * callback we cannot read is a 400 naming why.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { eventsFor } from "../../src/events/callback-store";
import { parseCallback } from "../../src/events/engagelab-payload";
import { problemOf } from "../api/support";
import { postCallback, relayId, responseCallback, statusCallback } from "./support";

const statusCases = [
	["target", "accepted"],
	["sent", "provider_sent"],
	["delivered", "delivered"],
	["soft_bounce", "soft_bounced"],
	["invalid_email", "bounced"],
] as const;
const responseCases = [
	["open", "opened"],
	["click", "clicked"],
	["unsubscribe", "unsubscribed"],
	["report_spam", "complained"],
] as const;

describe("provider event mapping", () => {
	for (const [provider, ours] of statusCases) {
		it(`status ${provider} → ${ours}, with relay id and recipient`, async () => {
			const id = relayId(provider);
			const parsed = await parseCallback(statusCallback(id, provider, "Ben@Example.com"), Date.now());
			expect(parsed).toMatchObject({ ok: true, events: [{ type: ours, relayId: id, recipient: "ben@example.com" }] });
		});
	}
	for (const [provider, ours] of responseCases) {
		it(`response ${provider} → ${ours}`, async () => {
			const id = relayId(provider);
			const parsed = await parseCallback(responseCallback(id, provider, "amy@example.com"), Date.now());
			expect(parsed).toMatchObject({ ok: true, events: [{ type: ours, relayId: id, recipient: "amy@example.com" }] });
		});
	}

	it("counts inbound mail (route) as ignored, and reads a list of callbacks", async () => {
		const id = relayId("list");
		const parsed = await parseCallback(
			[statusCallback(id, "delivered", "a@example.com"), responseCallback(id, "route", "a@example.com")],
			Date.now(),
		);
		expect(parsed).toMatchObject({ ok: true, ignored: 1, events: [{ type: "delivered" }] });
	});

	it("keeps every event of a message, in order, under its relay id", async () => {
		const id = relayId("stored");
		const t0 = Date.now();
		// Sent out of order; each has its own itime, as the provider's do.
		for (const [body, at] of [
			[responseCallback(id, "click", "ben@example.com"), t0 + 2],
			[statusCallback(id, "delivered", "ben@example.com"), t0],
			[responseCallback(id, "open", "ben@example.com"), t0 + 1],
		] as const) {
			expect((await postCallback({ ...body, itime: at })).status).toBe(200);
		}
		const stored = await eventsFor(env.DB, id);
		expect(stored.map((e) => e.type)).toEqual(["delivered", "opened", "clicked"]);
	});

	it("a redelivered callback changes nothing", async () => {
		const id = relayId("redelivered");
		const body = statusCallback(id, "invalid_email", "gone@example.com");
		const first = await postCallback(body);
		expect(await first.json()).toEqual({ received: 1, new: 1, ignored: 0 });
		// The provider resends after a missing 200: new timestamp and signature, same body.
		const again = await postCallback(body, { timestamp: String(Date.now() + 1) });
		expect(again.status).toBe(200);
		expect(await again.json()).toEqual({ received: 1, new: 0, ignored: 0 });
		expect((await eventsFor(env.DB, id)).length).toBe(1);
	});

	it("answers 400 for a body that is not a callback", async () => {
		const notJson = await postCallback("{not json");
		expect(notJson.status).toBe(400);
		const noId = await postCallback({ status: { message_status: "delivered", status_data: {} } });
		expect(noId.status).toBe(400);
		expect((await problemOf(noId)).detail).toContain("message_id");
	});
});
