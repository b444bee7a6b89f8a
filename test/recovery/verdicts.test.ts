/**
 * The recovery test's conclusions (verdicts.ts) on made-up observations: a
 * clean run passes every one, and each fault the run is there to catch —
 * a record left open, a second copy, a missing copy, an unexplained
 * `unknown`, an early scheduled send, a second or wrong webhook — is named by
 * its check. The run itself takes many minutes; this shows its checks can fail.
 */
import { describe, expect, it } from "vitest";
import type { Observed } from "./verdicts.ts";
import { duplicates, early, missing, notFinal, unexplainedUnknowns, webhookProblems } from "./verdicts.ts";

const T0 = 1_800_000_000_000;

/** Two sent messages (one scheduled), one cut short by the kill; everything as it should be. */
function clean(): Observed {
	const accepted = [
		{ ref: "msg_a", messageId: "<a@x>", to: ["Amy@example.com", "ben@example.com"], sendAt: null },
		{ ref: "msg_b", messageId: "<b@x>", to: ["amy@example.com"], sendAt: T0 + 60_000 },
		{ ref: "msg_c", messageId: "<c@x>", to: ["amy@example.com"], sendAt: null },
	];
	return {
		accepted,
		records: new Map([
			["msg_a", { ref: "msg_a", status: "sent", messageId: "<a@x>", to: accepted[0]?.to ?? [] }],
			["msg_b", { ref: "msg_b", status: "sent", messageId: "<b@x>", to: ["amy@example.com"] }],
			["msg_c", { ref: "msg_c", status: "unknown", messageId: "<c@x>", to: ["amy@example.com"] }],
		]),
		arrivals: [
			{ messageId: "<a@x>", recipient: "amy@example.com", at: T0 },
			{ messageId: "<a@x>", recipient: "ben@example.com", at: T0 },
			{ messageId: "<b@x>", recipient: "amy@example.com", at: T0 + 61_000 },
			{ messageId: "<c@x>", recipient: "amy@example.com", at: T0 },
		],
		inFlightAtRestart: new Set(["msg_c"]),
		webhooks: [
			{ webhookId: "evt_a", type: "message.sent", ref: "msg_a", verified: true },
			// A retry of the same webhook id is the same webhook.
			{ webhookId: "evt_a", type: "message.sent", ref: "msg_a", verified: true },
			{ webhookId: "evt_b_scheduled", type: "message.scheduled", ref: "msg_b", verified: true },
			{ webhookId: "evt_b", type: "message.sent", ref: "msg_b", verified: true },
			{ webhookId: "evt_c", type: "message.unknown", ref: "msg_c", verified: true },
		],
	};
}

const all = (o: Observed) => [
	...notFinal(o),
	...duplicates(o),
	...missing(o),
	...unexplainedUnknowns(o),
	...early(o),
	...webhookProblems(o),
];

describe("the recovery run's verdicts", () => {
	it("find nothing wrong in a clean run", () => {
		expect(all(clean())).toEqual([]);
	});

	it("name a record still open or not listed", () => {
		const o = clean();
		o.records.set("msg_a", { ref: "msg_a", status: "queued", messageId: "<a@x>", to: [] });
		o.records.delete("msg_b");
		expect(notFinal(o)).toEqual(["msg_a is queued", "msg_b is not listed"]);
	});

	it("name a second copy to one recipient, and a message nobody accepted", () => {
		const o = clean();
		o.arrivals.push({ messageId: "<a@x>", recipient: "ben@example.com", at: T0 + 1 });
		o.arrivals.push({ messageId: "<z@x>", recipient: "amy@example.com", at: T0 });
		expect(duplicates(o)).toEqual([
			"msg_a reached ben@example.com 2 times",
			"the relay got <z@x>, which no accepted send has",
		]);
	});

	it("name a sent record one of whose recipients got nothing, but not an unknown or failed one", () => {
		const o = clean();
		o.arrivals.splice(1, 1); // msg_a to ben
		o.arrivals.splice(-1, 1); // msg_c (unknown): may lack it
		expect(missing(o)).toEqual(["msg_a is sent but never reached ben@example.com"]);
		o.records.set("msg_a", { ref: "msg_a", status: "failed", messageId: "<a@x>", to: [] });
		expect(missing(o)).toEqual([]);
	});

	it("name a copy to an address that is not a recipient", () => {
		const o = clean();
		o.arrivals.push({ messageId: "<b@x>", recipient: "eve@example.com", at: T0 + 61_000 });
		expect(missing(o)).toEqual(["msg_b reached eve@example.com, not one of its recipients"]);
	});

	it("name an unknown record that was not in flight at the kill", () => {
		const o = clean();
		o.inFlightAtRestart.clear();
		expect(unexplainedUnknowns(o)).toEqual(["msg_c ended unknown but was not in flight at the kill"]);
	});

	it("name a scheduled message that arrived before its sendAt", () => {
		const o = clean();
		o.arrivals.push({ messageId: "<b@x>", recipient: "amy@example.com", at: T0 + 59_000 });
		expect(early(o)).toEqual(["<b@x> reached amy@example.com before its sendAt"]);
	});

	it("name a second webhook id, a missing one, one of the wrong type, and one that did not verify", () => {
		const o = clean();
		o.webhooks.push({ webhookId: "evt_a2", type: "message.sent", ref: "msg_a", verified: true });
		o.webhooks.splice(3, 1); // msg_b's message.sent
		o.webhooks.splice(3, 1, { webhookId: "evt_c", type: "message.sent", ref: "msg_c", verified: true });
		o.webhooks.push({ webhookId: "evt_x", type: "message.sent", ref: "msg_b", verified: false });
		expect(webhookProblems(o)).toEqual([
			"1 webhooks did not verify",
			"msg_a (sent) has 2 message.sent webhook ids",
			"msg_b (sent) has 0 message.sent webhook ids",
			"msg_c (unknown) has 0 message.unknown webhook ids",
			"msg_c (unknown) has a message.sent webhook",
		]);
	});

	it("want message.scheduled once for a scheduled send, and never for another", () => {
		const o = clean();
		o.webhooks.splice(2, 1); // msg_b's message.scheduled
		o.webhooks.push({ webhookId: "evt_a_scheduled", type: "message.scheduled", ref: "msg_a", verified: true });
		expect(webhookProblems(o)).toEqual([
			"msg_a (sent) has a message.scheduled webhook",
			"msg_b (sent) has 0 message.scheduled webhook ids",
		]);
	});
});
