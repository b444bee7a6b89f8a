/**
 * A record's own final statuses as outbound events: the queue consumer's go
 * out exactly as a sync send's do (message.sent, .failed, .unknown; a cancel
 * is message.canceled), with the message's tags and route, and provider
 * events that came before the record had its relay id are filed on it when
 * the relay id is put, and go out after it. Jobs are the ones the app and the
 * consumer really queued (a tap on SEND_QUEUE), handed to the real consumer;
 * webhooks reach a receiver in the Node process and are checked with the
 * official `standardwebhooks` package.
 */
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { auth, call, message, type Overrides, post, relayAt } from "../api/support";
import { startFaultRelay } from "../helpers/faults";
import { consumeJobs, recordOf, sendAsync } from "../records/support";
import {
	bodiesOf,
	type Posted,
	postCallback,
	type Received,
	relayId,
	runWebhookJobs,
	SECRET,
	settingsFor,
	shardOfRef,
	startReceiver,
	statusCallback,
	withReceiver,
} from "./support";

/** The message schema takes no tags yet (issue 22 adds them): the events carry the record's, none. */
const TAGS: { name: string; value: string }[] = [];
const verified = (requests: Received[]) => requests.map((r) => new Webhook(SECRET).verify(r.body, r.headers) as Posted);

/** Sends async, has the consumer deliver it, runs the webhook jobs that queued; answers the record and what was posted. */
async function sendAndDeliver(tag: string, url: string, extra: Overrides = {}) {
	const { tap, settings } = settingsFor(url, extra);
	const { body } = await sendAsync(tag, settings);
	const sendJobs = bodiesOf(tap.take(), "send");
	expect(sendJobs).toEqual([{ kind: "send", ref: body.ref }]);
	await consumeJobs(sendJobs, settings);
	const webhookJobs = await runWebhookJobs(tap, settings);
	return { ref: body.ref, record: await recordOf(body.ref), webhookJobs };
}

describe("a record's own events", () => {
	it("an async send that reaches the relay goes out as message.sent, with its tags and route, verified with standardwebhooks", () =>
		withReceiver([], async (receiver) => {
			const { ref, record, webhookJobs } = await sendAndDeliver("async-sent", receiver.url);
			expect(record.status).toBe("sent");
			expect(webhookJobs).toEqual([{ kind: "webhook", object: shardOfRef(ref).name, id: `evt_${ref}_sent` }]);
			const [request] = await receiver.requests();
			if (!request) throw new Error("nothing posted");
			const posted = new Webhook(SECRET).verify(request.body, request.headers) as Posted;
			expect(posted.type).toBe("message.sent");
			expect(posted.data).toEqual({
				ref,
				messageId: record.messageId,
				relayId: record.relayId,
				to: "ben@example.com",
				detail: null,
				tags: TAGS,
				route: "primary",
			});
			expect(posted.timestamp).toBe(record.sentAt);
			expect(request.headers["webhook-id"]).toBe(`evt_${ref}_sent`);
		}));

	it("a 550 is message.failed with the relay's reply; a drop after the dot is message.unknown", async () => {
		const receiver = await startReceiver();
		const refused = await startFaultRelay({ security: "starttls", at: { message: { reply: "550 5.7.1 refused" } } });
		const dropped = await startFaultRelay({ security: "starttls", at: { message: { drop: true } } });
		try {
			const failed = await sendAndDeliver("async-550", receiver.url, relayAt(refused.port));
			expect(failed.record.status).toBe("failed");
			const unknown = await sendAndDeliver("async-drop", receiver.url, relayAt(dropped.port));
			expect(unknown.record.status).toBe("unknown");

			const posted = verified(await receiver.requests());
			expect(posted.map((p) => [p.type, p.data.ref])).toEqual([
				["message.failed", failed.ref],
				["message.unknown", unknown.ref],
			]);
			const [failedDetail, unknownDetail] = posted.map((p) => JSON.parse(p.data.detail ?? "null"));
			expect(failedDetail).toMatchObject({ code: "relay_rejected", smtp: { code: 550 } });
			expect(unknownDetail).toMatchObject({ code: "delivery_unknown" });
		} finally {
			await Promise.all([receiver.stop(), refused.stop(), dropped.stop()]);
		}
	});

	it("a provider event that came before the record had its relay id is filed on it, and follows message.sent out", async () => {
		const receiver = await startReceiver();
		// The relay answers with an id the test knows, so the provider's callback can come first.
		const id = relayId("async-early");
		const relay = await startFaultRelay({ security: "starttls", at: { message: { reply: `250 #${id}#Queued` } } });
		try {
			const to = `early-${Date.now()}@example.com`;
			const { settings } = settingsFor(receiver.url);
			expect((await postCallback(statusCallback(id, "invalid_email", to), {}, settings)).status).toBe(200);
			const { ref, record } = await sendAndDeliver("async-early", receiver.url, relayAt(relay.port));
			expect(record.relayId).toBe(id);
			expect(record.status).toBe("bounced");
			expect(record.events?.map((e) => e.type).filter((t) => !t.startsWith("webhook."))).toEqual([
				"queued",
				"sent",
				"bounced",
			]);
			// Written in order per record: message.sent first, the filed bounce after it.
			expect((await shardOfRef(ref).shard.deliveriesOf(ref)).map((d) => d.type)).toEqual([
				"message.sent",
				"message.bounced",
			]);
			const posted = verified(await receiver.requests());
			expect(posted.map((p) => p.type)).toEqual(["message.sent", "message.bounced"]);
			expect(posted[1]?.data).toMatchObject({ ref, relayId: id, to, messageId: record.messageId, tags: TAGS });
		} finally {
			await Promise.all([receiver.stop(), relay.stop()]);
		}
	});

	it("a scheduled message is message.scheduled, then message.canceled, once, also when its send job comes round afterwards", () =>
		withReceiver([], async (receiver) => {
			const { tap, settings } = settingsFor(receiver.url);
			const sendAt = new Date(Date.now() + 3_600_000).toISOString();
			const { body } = await sendAsync("async-cancel", settings, { sendAt });
			const accepted = tap.take();
			const sendJobs = bodiesOf(accepted, "send");
			expect(bodiesOf(accepted, "webhook")).toEqual([
				{ kind: "webhook", object: shardOfRef(body.ref).name, id: `evt_${body.ref}_scheduled` },
			]);
			await consumeJobs(bodiesOf(accepted, "webhook"), settings);
			const canceled = await call(`/v1/messages/${body.ref}`, { method: "DELETE", headers: auth }, settings);
			expect(canceled.status).toBe(200);
			// The job still on the queue finds the record final: nothing is delivered, nothing new is published.
			await consumeJobs(sendJobs, settings);
			const webhookJobs = await runWebhookJobs(tap, settings);
			expect(webhookJobs).toEqual([
				{ kind: "webhook", object: shardOfRef(body.ref).name, id: `evt_${body.ref}_canceled` },
			]);
			const [scheduled, posted, ...more] = verified(await receiver.requests());
			expect(more).toEqual([]);
			expect(scheduled).toMatchObject({ type: "message.scheduled", data: { ref: body.ref } });
			expect(posted).toMatchObject({ type: "message.canceled", data: { ref: body.ref, relayId: "" } });
			expect((await recordOf(body.ref)).status).toBe("canceled");
		}));

	it("a sync send whose bounce came first still goes out as message.sent, then the bounce", async () => {
		const receiver = await startReceiver();
		const id = relayId("sync-early");
		const relay = await startFaultRelay({ security: "starttls", at: { message: { reply: `250 #${id}#Queued` } } });
		try {
			const { tap, settings } = settingsFor(receiver.url, relayAt(relay.port));
			await postCallback(statusCallback(id, "invalid_email", `sync-early-${Date.now()}@example.com`), {}, settings);
			const response = await post("/v1/send", message("sync-early"), settings);
			expect(response.status).toBe(200);
			const { ref } = (await response.json()) as { ref: string };
			await runWebhookJobs(tap, settings);
			expect(verified(await receiver.requests()).map((p) => [p.type, p.data.ref, p.data.tags])).toEqual([
				["message.sent", ref, TAGS],
				["message.bounced", ref, TAGS],
			]);
			expect((await recordOf(ref)).status).toBe("bounced");
		} finally {
			await Promise.all([receiver.stop(), relay.stop()]);
		}
	});
});
