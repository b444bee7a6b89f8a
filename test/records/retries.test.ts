/**
 * What happens to an async send the relay does not take at once: transient
 * replies retried with backoff at the consumer's clock (the test moves it),
 * a recipient refused for now retried alone (its own relay id matched by
 * provider events),
 * 536 cools the limiter, past 24 h it fails; batches and public keys.
 */
import { describe, expect, it } from "vitest";
import { auth, call, message, post, relayAt } from "../api/support";
import { postCallback, statusCallback } from "../events/support";
import { startFaultRelay } from "../helpers/faults";
import { startRelay } from "../helpers/relay";
import { attachBudgetClock, fakeClock } from "../limit/support";
import { ASYNC, consume, recordOf, sendAsync, spooled, sweepOf } from "./support";

const MINUTE = 60_000;

describe("retries", () => {
	it("451 twice then 250: sent after 3 attempts, each attempt in the events, nothing early", async () => {
		const faults = await startFaultRelay({
			security: "starttls",
			acrossConnections: true,
			at: { message: [{ reply: "451 4.3.0 try later" }, { reply: "451 4.3.0 try later" }, null] },
		});
		try {
			const at = relayAt(faults.port);
			const { body } = await sendAsync("retry-451", at);
			const start = Date.now();
			const first = await consume([body.ref], at, start);
			expect(first.explicitAcks).toHaveLength(1);
			let record = await recordOf(body.ref);
			expect(record).toMatchObject({ status: "queued", attempts: 1 });
			expect(record.lastError?.code).toBe("relay_unavailable");

			// Not due yet: the consumer puts it back without a connection.
			await consume([body.ref], at, start + 1000);
			expect((await faults.record()).connections).toHaveLength(1);

			await consume([body.ref], at, start + 10 * MINUTE);
			record = await recordOf(body.ref);
			expect(record).toMatchObject({ status: "queued", attempts: 2 });
			await consume([body.ref], at, start + 30 * MINUTE);
			record = await recordOf(body.ref);
			expect(record).toMatchObject({ status: "sent", attempts: 3 });
			expect(record.relayId).toBeTruthy();
			expect(record.events.map((e) => e.type)).toEqual(["queued", "attempt_failed", "attempt_failed", "sent"]);
			expect(record.events.map((e) => e.detail?.attempt).slice(1)).toEqual([1, 2, 3]);
			expect((await faults.record()).connections).toHaveLength(3);
			await sweepOf(body.ref);
			expect(await spooled(body.ref)).toBe(false);
		} finally {
			await faults.stop();
		}
	});

	it("a 451 for one recipient retries only that recipient; the others get the message once", async () => {
		const faults = await startFaultRelay({
			security: "starttls",
			acrossConnections: true,
			at: { rcpt: [null, { reply: "451 4.2.1 Try amy later" }] },
		});
		try {
			const at = relayAt(faults.port);
			const { body } = await sendAsync("partial-451", at, { to: ["ben@example.com", "amy@example.com"] });
			const start = Date.now();
			await consume([body.ref], at, start);
			const waiting = await recordOf(body.ref);
			expect(waiting).toMatchObject({ status: "queued", attempts: 1 });
			expect(JSON.stringify(waiting.lastError)).toContain("451");
			await consume([body.ref], at, start + 2 * 60 * MINUTE);
			expect(await recordOf(body.ref)).toMatchObject({ status: "sent", attempts: 2 });
			const delivered = (await faults.record()).messages;
			expect(delivered.map((m) => m.rcptTo)).toEqual([["ben@example.com"], ["amy@example.com"]]);
			// The retry is a message of its own at the relay: the provider's events for it find the record too.
			const sent = await recordOf(body.ref);
			const [first, retry] = sent.events
				.map((e) => (e.detail as { relayId?: string } | undefined)?.relayId)
				.filter((id) => id !== undefined);
			expect(retry).toBeDefined();
			expect(retry).not.toBe(first);
			expect(sent.relayId).toBe(first);
			expect((await postCallback(statusCallback(retry ?? "", "delivered", "amy@example.com"))).status).toBe(200);
			const record = await recordOf(body.ref);
			expect(record.status).toBe("delivered");
			expect(record.events.at(-1)).toMatchObject({ type: "delivered", detail: { recipient: "amy@example.com" } });
		} finally {
			await faults.stop();
		}
	});

	it("536: the api_user is cooled and the message retried later", async () => {
		// An api_user of its own, so cooling it holds up no other test.
		const user = `cool_${Date.now()}`;
		const faults = await startFaultRelay({
			security: "starttls",
			acrossConnections: true,
			users: { [user]: "api_key" },
			at: { mail: [{ reply: "536 Frequency limited" }, null] },
		});
		try {
			const at = relayAt(faults.port, { SMTP_USER: user });
			const { body } = await sendAsync("retry-536", at);
			const clock = fakeClock(Date.now());
			// Every shard of the api_user's budget at the default RATE_LIMIT_PER_MINUTE (a 536 cools them all).
			await attachBudgetClock(user, 30_000, clock);
			const start = clock.now;
			await consume([body.ref], at, start);
			const record = await recordOf(body.ref);
			expect(record).toMatchObject({ status: "queued", attempts: 1 });
			expect(record.lastError?.code).toBe("rate_limited");
			const limits = (await (await call("/v1/limits", { headers: auth }, at)).json()) as { remaining: number };
			expect(limits.remaining).toBe(0);
			// Due by the backoff, but the limiter (at its own clock) is still cooling: back in line, not an attempt.
			await consume([body.ref], at, start + 2 * MINUTE);
			expect(await recordOf(body.ref)).toMatchObject({ status: "queued", attempts: 1 });
			clock.advance(4 * MINUTE);
			await consume([body.ref], at, start + 4 * MINUTE);
			expect(await recordOf(body.ref)).toMatchObject({ status: "sent", attempts: 2 });
		} finally {
			await faults.stop();
		}
	});

	it("transient failures past the 24-hour window end as failed", async () => {
		const faults = await startFaultRelay({ security: "starttls", at: { message: { reply: "451 4.3.0 try later" } } });
		try {
			const at = relayAt(faults.port);
			const { body } = await sendAsync("retry-expire", at);
			const start = Date.now();
			await consume([body.ref], at, start);
			await consume([body.ref], at, start + 25 * 3_600_000);
			const record = await recordOf(body.ref);
			expect(record.status).toBe("failed");
			expect(record.lastError?.code).toBe("delivery_expired");
			await sweepOf(body.ref);
			expect(await spooled(body.ref)).toBe(false);
		} finally {
			await faults.stop();
		}
	});
});

describe("async batch and callers", () => {
	it("a batch with Prefer: respond-async answers 202, one result per message in order; bad ones are problems", async () => {
		const relay = await startRelay({ security: "starttls" });
		try {
			const at = relayAt(relay.port);
			const response = await post(
				"/v1/batch",
				{ messages: [message("batch-a1"), message("batch-a2", { to: [] }), message("batch-a3")] },
				at,
				ASYNC,
			);
			expect(response.status).toBe(202);
			expect(response.headers.get("Preference-Applied")).toBe("respond-async");
			const { results } = (await response.json()) as { results: { ref?: string; status: unknown }[] };
			expect(results.map((r) => r.status)).toEqual(["queued", 400, "queued"]);
			const refs = results.flatMap((r) => (r.ref ? [r.ref] : []));
			await consume(refs, at);
			for (const ref of refs) expect((await recordOf(ref)).status).toBe("sent");
			expect(await relay.messages()).toHaveLength(2);
		} finally {
			await relay.stop();
		}
	});

	it("a sync batch's results carry their refs", async () => {
		const response = await post("/v1/batch", { messages: [message("batch-s1"), message("batch-s2")] });
		const { results } = (await response.json()) as { results: { status: number; id: string; ref: string }[] };
		for (const r of results) expect((await recordOf(r.ref)).relayId).toBe(r.id);
	});

	it("public keys may neither send async nor read records", async () => {
		const settings = {
			PUBLIC_KEYS: JSON.stringify([
				{
					key: "pk_records_test",
					origins: ["https://shop.example"],
					to: ["sales@example.com"],
					from: ["shop@example.com"],
				},
			]),
		};
		const headers = {
			"Content-Type": "application/json",
			Origin: "https://shop.example",
			"CF-Connecting-IP": "198.18.0.7",
		};
		const sent = await call(
			"/v1/send?key=pk_records_test",
			{
				method: "POST",
				headers: { ...headers, ...ASYNC },
				body: JSON.stringify(message("pk", { from: "shop@example.com", to: "sales@example.com" })),
			},
			settings,
		);
		expect(sent.status).toBe(403);
		const read = await call("/v1/messages?key=pk_records_test", { headers }, settings);
		expect(read.status).toBe(403);
	});
});
