/**
 * Provider events on message records: matched by relay id, the status moves
 * by the rules and each event is appended; an event before its record is
 * attached when the record is written; a redelivery appends nothing; each
 * webhook attempt is logged on the record.
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { recordWritten } from "../../src/events/record-written";
import { addDelivery, deliveriesOf } from "../../src/events/webhook-deliveries";
import { runWebhookJob } from "../../src/events/webhook-job";
import { getRecord, listEvents } from "../../src/store/messages";
import { decodeBase64 } from "../../src/util/bytes";
import { auth, call, message, post, relayAt } from "../api/support";
import { startRelay } from "../helpers/relay";
import {
	postCallback,
	relayId,
	responseCallback,
	sentRecord,
	startReceiver,
	statusCallback,
	tapQueue,
} from "./support";

describe("events on records", () => {
	it("a sync send's record moves to delivered, then complained, by the provider's callbacks", async () => {
		const relay = await startRelay({ security: "starttls" });
		try {
			const response = await post("/v1/send", message("record"), relayAt(relay.port));
			expect(response.status).toBe(200);
			const { id } = (await response.json()) as { id: string };
			const record = await (async () => {
				for (let i = 0; i < 20; i++) {
					const { results } = await env.DB.prepare("SELECT ref FROM messages WHERE relay_id = ?")
						.bind(id)
						.all<{ ref: string }>();
					if (results[0]) return results[0].ref;
					await new Promise((r) => setTimeout(r, 50));
				}
				throw new Error("no record for the relay id");
			})();
			await postCallback(statusCallback(id, "delivered", "ben@example.com"));
			expect((await getRecord(env.DB, record))?.status).toBe("delivered");
			// The statuses events move a record to are filters of the list too.
			const listed = await call("/v1/messages?status=delivered&limit=100", { headers: auth });
			expect(listed.status).toBe(200);
			const { messages } = (await listed.json()) as { messages: { ref: string; status: string }[] };
			expect(messages.find((m) => m.ref === record)?.status).toBe("delivered");
			const spam = responseCallback(id, "report_spam", "ben@example.com");
			await postCallback(spam);
			await postCallback(spam, { timestamp: String(Date.now() + 1) }); // redelivered: nothing new
			expect((await getRecord(env.DB, record))?.status).toBe("complained");
			const types = (await listEvents(env.DB, record)).map((e) => e.type);
			expect(types).toEqual(["sent", "delivered", "complained"]);
		} finally {
			await relay.stop();
		}
	});

	it("an event before its record is kept, and attached when the record is written", async () => {
		const id = relayId("early");
		await postCallback(statusCallback(id, "invalid_email", "ben@example.com"));
		const ref = await sentRecord(id);
		expect((await getRecord(env.DB, ref))?.status).toBe("sent");
		await recordWritten(env.DB, undefined, false, ref, Date.now());
		expect((await getRecord(env.DB, ref))?.status).toBe("bounced");
		expect((await listEvents(env.DB, ref)).map((e) => e.type)).toEqual(["sent", "bounced"]);
		// Written again (or redelivered): nothing new.
		await recordWritten(env.DB, undefined, false, ref, Date.now());
		expect((await listEvents(env.DB, ref)).length).toBe(2);
	});

	it("written again after the provider moved it on (a redelivered job), a record still gets its message.sent, once", async () => {
		const id = relayId("moved-on");
		const ref = await sentRecord(id);
		await postCallback(statusCallback(id, "delivered", "ben@example.com"));
		expect((await getRecord(env.DB, ref))?.status).toBe("delivered");
		const tap = tapQueue();
		await recordWritten(env.DB, tap.queue, true, ref, Date.now());
		await recordWritten(env.DB, tap.queue, true, ref, Date.now());
		expect((await deliveriesOf(env.DB, ref)).map((d) => d.type)).toEqual(["message.sent"]);
		expect(tap.take().map((j) => j.body)).toEqual([{ kind: "webhook", id: `evt_${ref}_sent` }]);
	});

	it("a soft bounce after delivery is kept but leaves the status", async () => {
		const id = relayId("late-soft");
		const ref = await sentRecord(id);
		await postCallback({ ...statusCallback(id, "delivered", "ben@example.com"), itime: Date.now() - 10 });
		await postCallback(statusCallback(id, "soft_bounce", "ben@example.com"));
		expect((await getRecord(env.DB, ref))?.status).toBe("delivered");
		expect((await listEvents(env.DB, ref)).map((e) => e.type)).toEqual(["sent", "delivered", "soft_bounced"]);
	});

	it("each webhook attempt's outcome is on the record", async () => {
		const receiver = await startReceiver([500]);
		try {
			const id = relayId("attempts");
			const ref = await sentRecord(id);
			const secret = `whsec_${btoa("edgesend-attempt-log-secret-0032")}`;
			const target = { url: receiver.url, secret: decodeBase64(secret.slice(6)) as Uint8Array };
			const event = {
				type: "message.delivered",
				timestamp: new Date().toISOString(),
				data: { ref, messageId: null, relayId: id, to: null, detail: null, tags: [] },
			};
			await addDelivery(env.DB, { id: `evt_log_${ref}`, stream: ref, ref, event }, Date.now());
			const t0 = Date.now();
			const first = await runWebhookJob(env.DB, target, { kind: "webhook", id: `evt_log_${ref}` }, t0);
			expect(first.done).toBe(false);
			expect((await runWebhookJob(env.DB, target, { kind: "webhook", id: `evt_log_${ref}` }, t0 + 30_000)).done).toBe(
				true,
			);
			const attempts = (await listEvents(env.DB, ref)).filter((e) => e.type === "webhook.attempt");
			expect(attempts.map((e) => e.detail)).toMatchObject([
				{ attempt: 1, ok: false, status: 500, event: "message.delivered" },
				{ attempt: 2, ok: true, status: 200 },
			]);
		} finally {
			await receiver.stop();
		}
	});
});
