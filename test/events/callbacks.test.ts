/**
 * What a signed callback does: each provider event type maps to ours, is
 * filed once (a redelivery changes nothing, also for the suppression list),
 * a callback we cannot read is a 400 naming why, and a callback that failed
 * half-way answers 500 and is completed by the provider's resend (issue 20,
 * finding 7: every step is idempotent, none is skipped as a repeat).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { linkedEventOf } from "../../src/events/callback-events";
import { parseCallback } from "../../src/events/engagelab-payload";
import { indexName } from "../../src/store/relay-index-name";
import { auth, call, problemOf } from "../api/support";
import {
	bodiesOf,
	failing,
	postCallback,
	relayId,
	responseCallback,
	sentRecord,
	settingsFor,
	statusCallback,
	stored,
	timeline,
} from "./support";

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

	it("files an event with the status it moves to and its webhook type, bookkeeping with neither", async () => {
		const id = relayId("rules");
		const [bounce, accepted] = await Promise.all(
			["invalid_email", "target"].map(async (status) => {
				const parsed = await parseCallback(statusCallback(id, status, "ben@example.com"), Date.now());
				if (!parsed.ok) throw new Error(parsed.error);
				return linkedEventOf(parsed.events[0] as (typeof parsed.events)[0]);
			}),
		);
		expect(bounce).toMatchObject({ type: "bounced", moveTo: "bounced", webhook: "message.bounced", relayId: id });
		expect(accepted).toEqual({
			id: accepted?.id,
			relayId: id,
			recipient: "ben@example.com",
			type: "accepted",
			at: accepted?.at,
			detail: "target by test",
		});
	});

	it("counts inbound mail (route) as ignored, and reads a list of callbacks", async () => {
		const id = relayId("list");
		const parsed = await parseCallback(
			[statusCallback(id, "delivered", "a@example.com"), responseCallback(id, "route", "a@example.com")],
			Date.now(),
		);
		expect(parsed).toMatchObject({ ok: true, ignored: 1, events: [{ type: "delivered" }] });
	});

	it("keeps every event of a message on its record, found by relay id, in the order they came", async () => {
		const id = relayId("stored");
		const { ref } = await sentRecord(id);
		const t0 = Date.now();
		// Each has its own itime, as the provider's do.
		for (const [body, at] of [
			[statusCallback(id, "delivered", "ben@example.com"), t0],
			[responseCallback(id, "open", "ben@example.com"), t0 + 1],
			[responseCallback(id, "click", "ben@example.com"), t0 + 2],
		] as const) {
			expect(await (await postCallback({ ...body, itime: at })).json()).toEqual({ received: 1, new: 1, ignored: 0 });
		}
		expect(await timeline(ref)).toEqual(["sent", "delivered", "opened", "clicked"]);
		const { events } = await stored(ref);
		expect(events.slice(1).map((e) => e.at)).toEqual([t0, t0 + 1, t0 + 2]);
		expect(events[1]?.detail).toMatchObject({ recipient: "ben@example.com", detail: "delivered by test" });
	});

	it("holds the events of a relay id no record has yet, in the index", async () => {
		const id = relayId("held");
		const bodies = [
			statusCallback(id, "delivered", "ben@example.com"),
			responseCallback(id, "open", "ben@example.com"),
		];
		const response = await postCallback(bodies);
		expect(await response.json()).toEqual({ received: 2, new: 2, ignored: 0 });
		const parsed = await parseCallback(bodies, Date.now());
		if (!parsed.ok) throw new Error(parsed.error);
		const index = env.RELAY_INDEX.getByName(indexName(id));
		expect(await Promise.all(parsed.events.map((e) => index.heldState(e.id)))).toEqual(["held", "held"]);
	});

	it("a redelivered callback changes nothing", async () => {
		const id = relayId("redelivered");
		const to = `gone-${Date.now()}@example.com`;
		const { ref } = await sentRecord(id);
		const body = statusCallback(id, "invalid_email", to);
		const first = await postCallback(body);
		expect(await first.json()).toEqual({ received: 1, new: 1, ignored: 0 });
		// The provider resends after a missing 200: new timestamp and signature, same body.
		const again = await postCallback(body, { timestamp: String(Date.now() + 1) });
		expect(again.status).toBe(200);
		expect(await again.json()).toEqual({ received: 1, new: 0, ignored: 0 });
		expect(await timeline(ref)).toEqual(["sent", "bounced"]);
		const listed = await call(`/v1/suppressions/${encodeURIComponent(to)}`, { headers: auth });
		expect(await listed.json()).toMatchObject({ email: to, reason: "hard_bounce" });
	});

	it("answers 400 for a body that is not a callback", async () => {
		const notJson = await postCallback("{not json");
		expect(notJson.status).toBe(400);
		const noId = await postCallback({ status: { message_status: "delivered", status_data: {} } });
		expect(noId.status).toBe(400);
		expect((await problemOf(noId)).detail).toContain("message_id");
	});
});

describe("a callback that fails half-way (finding 7)", () => {
	it("answers 500, and the provider's resend completes what was missing: status, suppression and webhook", async () => {
		const id = relayId("half-way");
		const to = `half-way-${Date.now()}@example.com`;
		const { ref, object } = await sentRecord(id);
		const { tap, settings } = settingsFor("http://127.0.0.1:9/unused");
		const body = statusCallback(id, "invalid_email", to);

		// The suppression and the index answer; filing the event on its record fails.
		const broken = await postCallback(body, {}, { ...settings, ...failing("MESSAGES", "linkEvents") });
		expect(broken.status).toBe(500);
		expect((await stored(ref)).record.status).toBe("sent");
		expect(tap.take()).toEqual([]);

		const resent = await postCallback(body, { timestamp: String(Date.now() + 1) }, settings);
		expect(resent.status).toBe(200);
		expect(await resent.json()).toEqual({ received: 1, new: 1, ignored: 0 });
		expect((await stored(ref)).record.status).toBe("bounced");
		expect(bodiesOf(tap.take(), "webhook")).toEqual([{ kind: "webhook", object, id: expect.stringMatching(/^evt_/) }]);
		const listed = await call(`/v1/suppressions/${encodeURIComponent(to)}`, { headers: auth });
		expect(listed.status).toBe(200);
	});

	it("answers 500 when the suppression list fails, before anything else is filed; the resend files it all", async () => {
		const id = relayId("suppress-fails");
		const to = `suppress-fails-${Date.now()}@example.com`;
		const { ref } = await sentRecord(id);
		const body = responseCallback(id, "report_spam", to);
		const broken = await postCallback(body, {}, failing("SUPPRESSIONS", "add"));
		expect(broken.status).toBe(500);
		expect(await timeline(ref)).toEqual(["sent"]);
		const resent = await postCallback(body, { timestamp: String(Date.now() + 1) });
		expect(await resent.json()).toEqual({ received: 1, new: 1, ignored: 0 });
		expect(await timeline(ref)).toEqual(["sent", "complained"]);
		expect((await call(`/v1/suppressions/${encodeURIComponent(to)}`, { headers: auth })).status).toBe(200);
	});
});
