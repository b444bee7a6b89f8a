/**
 * Provider events on message records: matched by relay id through the relay
 * index, the status moves forward by the rules and each event is on the
 * timeline; an event before its record is filed when the record's relay id is
 * put; a repeat files nothing; a record written again sends no second
 * message.sent.
 */
import { describe, expect, it } from "vitest";
import { auth, call, message, post, relayAt } from "../api/support";
import { startRelay } from "../helpers/relay";
import { recordOf } from "../records/support";
import {
	indexRelay,
	postCallback,
	relayId,
	responseCallback,
	sentRecord,
	shardOfRef,
	statusCallback,
	stored,
	syncInput,
	timeline,
} from "./support";

describe("events on records", () => {
	it("a sync send's record moves to delivered, then complained, by the provider's callbacks", async () => {
		const relay = await startRelay({ security: "starttls" });
		try {
			const response = await post("/v1/send", message("record"), relayAt(relay.port));
			expect(response.status).toBe(200);
			const { id, ref } = (await response.json()) as { id: string; ref: string };
			await postCallback(statusCallback(id, "delivered", "ben@example.com"));
			expect((await recordOf(ref)).status).toBe("delivered");
			// The statuses events move a record to are filters of the list too.
			const listed = await call("/v1/messages?status=delivered&limit=100", { headers: auth });
			expect(listed.status).toBe(200);
			const { messages } = (await listed.json()) as { messages: { ref: string; status: string }[] };
			expect(messages.find((m) => m.ref === ref)?.status).toBe("delivered");
			const spam = responseCallback(id, "report_spam", "ben@example.com");
			await postCallback(spam);
			await postCallback(spam, { timestamp: String(Date.now() + 1) }); // redelivered: nothing new
			const record = await recordOf(ref);
			expect(record.status).toBe("complained");
			expect(record.events?.map((e) => e.type)).toEqual(["sent", "delivered", "complained"]);
		} finally {
			await relay.stop();
		}
	});

	it("an event before its record is held, and filed when the record's relay id is put", async () => {
		const id = relayId("early");
		await postCallback(statusCallback(id, "invalid_email", "ben@example.com"));
		const { ref } = await sentRecord(id, { indexed: false });
		expect((await stored(ref)).record.status).toBe("sent");
		await indexRelay(ref, id);
		expect((await stored(ref)).record.status).toBe("bounced");
		expect(await timeline(ref)).toEqual(["sent", "bounced"]);
		// Put again (the sweep's, or a redelivered job's): nothing new.
		await indexRelay(ref, id);
		expect(await timeline(ref)).toEqual(["sent", "bounced"]);
	});

	it("written again after the provider moved it on (a redelivered job), a record still has one message.sent", async () => {
		const id = relayId("moved-on");
		const input = syncInput(id);
		const { shard } = shardOfRef(input.ref);
		expect(await shard.recordSync([input], Date.now())).toEqual([`evt_${input.ref}_sent`]);
		await indexRelay(input.ref, id);
		await postCallback(statusCallback(id, "delivered", "ben@example.com"));
		expect((await stored(input.ref)).record.status).toBe("delivered");
		expect(await shard.recordSync([input], Date.now())).toEqual([]);
		expect((await shard.deliveriesOf(input.ref)).map((d) => d.type)).toEqual(["message.sent", "message.delivered"]);
	});

	it("a soft bounce after delivery is kept but leaves the status", async () => {
		const id = relayId("late-soft");
		const { ref } = await sentRecord(id);
		await postCallback({ ...statusCallback(id, "delivered", "ben@example.com"), itime: Date.now() - 10 });
		await postCallback(statusCallback(id, "soft_bounce", "ben@example.com"));
		expect((await stored(ref)).record.status).toBe("delivered");
		expect(await timeline(ref)).toEqual(["sent", "delivered", "soft_bounced"]);
	});

	it("events of a record that does not publish go on its timeline, with no webhook", async () => {
		const id = relayId("quiet-record");
		const { ref, shard } = await sentRecord(id, { publish: false });
		await postCallback(statusCallback(id, "delivered", "ben@example.com"));
		expect(await timeline(ref)).toEqual(["sent", "delivered"]);
		expect(await shard.deliveriesOf(ref)).toEqual([]);
	});
});
