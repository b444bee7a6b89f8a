/**
 * The harness itself: the official SDK's requests reach the app (with the
 * SDK's own headers and key), its answers come back through the SDK's own
 * reading of them, and other fetches still go out for real.
 */
import { describe, expect, it } from "vitest";
import { resendClient, routeResendSdk } from "./support";

routeResendSdk();

describe("the resend SDK against the app", () => {
	it("carries the SDK's key to the app and reads a JSON answer as data", async () => {
		const answer = await resendClient().get<{ limit: number; remaining: number }>("/v1/limits");
		expect(answer.error).toBeNull();
		expect(answer.data).toMatchObject({ limit: 30000 });
		expect(answer.headers?.["x-request-id"]).toMatch(/\S/);
	});

	it("hands a refusal back as the SDK's { data: null, error } with the app's body", async () => {
		const answer = await resendClient({}, "not-a-key").get("/v1/limits");
		expect(answer.data).toBeNull();
		expect(answer.error).toMatchObject({ status: 401, code: "unauthorized" });
	});

	it("keeps each client's settings apart", async () => {
		const small = resendClient({ RATE_LIMIT_PER_MINUTE: "7" });
		const answer = await small.get<{ limit: number }>("/v1/limits");
		expect(answer.data?.limit).toBe(7);
	});
});
