/**
 * POST /v1/events/engagelab refuses what the provider did not sign: no
 * signature, a wrong one, a stale timestamp, and a captured signature reused
 * with another body. Both documented schemes are accepted.
 */
import { describe, expect, it } from "vitest";
import { problemOf } from "../api/support";
import { postCallback, relayId, statusCallback } from "./support";

describe("provider callback signatures", () => {
	it("accepts a callback signed with HMAC-SHA256(key, timestamp)", async () => {
		const response = await postCallback(statusCallback(relayId("hmac"), "delivered", "ben@example.com"));
		expect(response.status).toBe(200);
		expect(await response.json()).toEqual({ received: 1, new: 1, ignored: 0 });
	});

	it("accepts the md5(timestamp + appKey + key) variant the overview page describes", async () => {
		const response = await postCallback(statusCallback(relayId("md5"), "delivered", "ben@example.com"), {
			scheme: "md5",
		});
		expect(response.status).toBe(200);
	});

	it("refuses an unsigned callback with 401 callback_unsigned", async () => {
		const response = await postCallback(statusCallback(relayId("none"), "delivered", "ben@example.com"), {
			signature: null,
		});
		expect(response.status).toBe(401);
		expect((await problemOf(response)).code).toBe("callback_unsigned");
	});

	it("refuses a wrong signature with 401 callback_signature_invalid", async () => {
		const response = await postCallback(statusCallback(relayId("bad"), "delivered", "ben@example.com"), {
			signature: "00".repeat(32),
		});
		expect(response.status).toBe(401);
		const p = await problemOf(response);
		expect(p.code).toBe("callback_signature_invalid");
		expect(JSON.stringify(p)).not.toContain("test-engagelab-app-key");
	});

	it("refuses a correctly signed but stale timestamp with 401 callback_stale", async () => {
		const old = String(Date.now() - 10 * 60 * 1000);
		const response = await postCallback(statusCallback(relayId("stale"), "delivered", "ben@example.com"), {
			timestamp: old,
		});
		expect(response.status).toBe(401);
		expect((await problemOf(response)).code).toBe("callback_stale");
	});

	it("refuses a signature reused with another body (the provider's signature does not cover the body)", async () => {
		const timestamp = String(Date.now());
		const first = await postCallback(statusCallback(relayId("orig"), "delivered", "ben@example.com"), { timestamp });
		expect(first.status).toBe(200);
		const forged = await postCallback(statusCallback(relayId("forged"), "invalid_email", "amy@example.com"), {
			timestamp,
		});
		expect(forged.status).toBe(401);
		expect((await problemOf(forged)).code).toBe("callback_replayed");
	});

	it("answers 404 while ENGAGELAB_WEBHOOK_KEY is unset", async () => {
		const response = await postCallback(
			statusCallback(relayId("off"), "delivered", "ben@example.com"),
			{},
			{
				ENGAGELAB_WEBHOOK_KEY: "",
			},
		);
		expect(response.status).toBe(404);
	});
});
