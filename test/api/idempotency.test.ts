/**
 * Idempotency-Key: a repeat replays the first answer and sends nothing; the
 * same key with another body is 422; a repeat while the first is in flight
 * is 409; an answer meaning "try again" is not kept.
 */
import { describe, expect, it, vi } from "vitest";
import { startFaultRelay } from "../helpers/faults";
import { startRelay } from "../helpers/relay";
import { message, post, problemOf, relayAt } from "./support";

const key = () => ({ "Idempotency-Key": `order-${crypto.randomUUID()}` });

describe("Idempotency-Key", () => {
	it("replays the first answer, marked, and sends once", async () => {
		const relay = await startRelay({ security: "starttls" });
		const headers = key();
		const first = await post("/v1/send", message("idem"), relayAt(relay.port), headers);
		expect(first.status).toBe(200);
		expect(first.headers.get("Idempotent-Replayed")).toBeNull();
		const again = await post("/v1/send", message("idem"), relayAt(relay.port), headers);
		expect(again.status).toBe(200);
		expect(again.headers.get("Idempotent-Replayed")).toBe("true");
		expect(again.headers.get("Content-Type")).toMatch(/^application\/json/);
		expect(await again.json()).toEqual(await first.json());
		expect(await relay.messages()).toHaveLength(1);
		// Another key is another request.
		expect((await post("/v1/send", message("idem"), relayAt(relay.port), key())).status).toBe(200);
		expect(await relay.messages()).toHaveLength(2);
		await relay.stop();
	});

	it("keeps a final refusal too: a replayed 400 is still a 400", async () => {
		const headers = key();
		const bad = message("idem", { from: "nope" });
		expect((await post("/v1/send", bad, {}, headers)).status).toBe(400);
		const again = await post("/v1/send", bad, {}, headers);
		expect(again.status).toBe(400);
		expect(again.headers.get("Idempotent-Replayed")).toBe("true");
		expect((await problemOf(again)).errors?.[0].path).toBe("from");
	});

	it("refuses the same key with a different body (422)", async () => {
		const relay = await startRelay({ security: "starttls" });
		const headers = key();
		expect((await post("/v1/send", message("one"), relayAt(relay.port), headers)).status).toBe(200);
		const other = await post("/v1/send", message("two"), relayAt(relay.port), headers);
		expect(other.status).toBe(422);
		expect((await problemOf(other)).code).toBe("idempotency_key_reused");
		expect(await relay.messages()).toHaveLength(1);
		await relay.stop();
	});

	it("answers 409 while the first is in flight, and does not keep a 'try again' answer", async () => {
		const relay = await startFaultRelay({ security: "none", at: { greeting: { hang: true } } });
		const headers = key();
		const settings = relayAt(relay.port, { SMTP_SECURITY: "none" });
		const first = post("/v1/send", message("slow"), settings, headers);
		await vi.waitFor(
			async () => {
				if (!(await relay.record()).connections.length) throw new Error("the first request has not connected yet");
			},
			{ timeout: 10_000, interval: 20 },
		);
		const second = await post("/v1/send", message("slow"), settings, headers);
		expect(second.status).toBe(409);
		expect((await problemOf(second)).code).toBe("idempotency_in_flight");

		await relay.stop(); // drops the hung connection: the first request ends
		const firstAnswer = await first;
		expect(firstAnswer.status).toBe(503);
		expect((await problemOf(firstAnswer)).code).toBe("relay_unavailable");

		// 503 was not kept: the same key really retries, here against a working relay.
		const good = await startRelay({ security: "starttls" });
		const retry = await post("/v1/send", message("slow"), relayAt(good.port), headers);
		expect(retry.status).toBe(200);
		expect(retry.headers.get("Idempotent-Replayed")).toBeNull();
		expect(await good.messages()).toHaveLength(1);
		await good.stop();
	});
});
