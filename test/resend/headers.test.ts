/** The Resend door's headers: its rate-limit fields from the limiter's state, and x-batch-validation. */
import { describe, expect, it } from "vitest";
import { batchValidationOf } from "../../src/api/resend/batch-validation";
import { resendRateLimitFields } from "../../src/api/resend/rate-limit";

describe("Resend headers", () => {
	it("gives ratelimit-limit, -remaining and -reset (whole seconds, rounded up) from the limiter's state", () => {
		expect(resendRateLimitFields({ limit: 600, remaining: 598, resetInMs: 60_001 })).toEqual({
			"ratelimit-limit": "600",
			"ratelimit-remaining": "598",
			"ratelimit-reset": "61",
		});
		expect(resendRateLimitFields({ limit: 1, remaining: 0, resetInMs: 0 })["ratelimit-reset"]).toBe("0");
	});

	it("reads x-batch-validation as Resend does: strict unless permissive, other values refused", () => {
		expect(batchValidationOf(undefined)).toBe("strict");
		expect(batchValidationOf("strict")).toBe("strict");
		expect(batchValidationOf(" Permissive ")).toBe("permissive");
		expect(batchValidationOf("lenient")).toEqual({ error: "x-batch-validation must be strict or permissive" });
	});
});
