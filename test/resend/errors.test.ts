/**
 * Every edgesend problem has a Resend error, with a name the Node SDK's own
 * types list (so a caller's typed switch covers it), and the answer is JSON
 * the SDKs read.
 */
import type { ErrorResponse } from "resend";
import { describe, expect, it } from "vitest";
import { resendPath } from "../../src/api/resend/email-body";
import {
	missingKey,
	type ResendErrorName,
	resendErrorOf,
	resendErrorResponse,
	toResendError,
} from "../../src/api/resend/errors";
import { problem, problemCodes } from "../../src/send/problem";

// Compile-time: each of our names is one of the SDK's.
const sdkName = (name: ResendErrorName): ErrorResponse["name"] => name;

describe("Resend errors", () => {
	it("maps every problem code, 4xx to 4xx and 5xx to 5xx", () => {
		expect(Object.keys(resendErrorOf).sort()).toEqual(Object.keys(problemCodes).sort());
		for (const [code, { status }] of Object.entries(problemCodes)) {
			const mapped = resendErrorOf[code as keyof typeof problemCodes];
			expect(Math.floor(mapped.statusCode / 100), code).toBe(Math.floor(status / 100));
			expect(sdkName(mapped.name)).toBe(mapped.name);
		}
	});

	it("uses Resend's names and statuses where Resend has the same failure", () => {
		const pick = (code: keyof typeof problemCodes) => resendErrorOf[code];
		expect(pick("idempotency_key_reused")).toEqual({ name: "invalid_idempotent_request", statusCode: 409 });
		expect(pick("idempotency_in_flight")).toEqual({ name: "concurrent_idempotent_requests", statusCode: 409 });
		expect(pick("rate_limited")).toEqual({ name: "rate_limit_exceeded", statusCode: 429 });
		expect(pick("message_not_found")).toEqual({ name: "not_found", statusCode: 404 });
		expect(pick("unauthorized")).toEqual({ name: "invalid_api_key", statusCode: 403 });
		expect(missingKey).toMatchObject({ name: "missing_api_key", statusCode: 401 });
	});

	it("says what was wrong and where, in the caller's field names, and what the relay said", () => {
		const invalid = problem("validation_failed", "2 invalid fields: replyTo[0], subject", {
			errors: [
				{ path: "replyTo[0]", message: "is not a valid address" },
				{ path: "subject", message: "must be on one line" },
			],
		});
		expect(toResendError(invalid, resendPath)).toEqual({
			statusCode: 400,
			name: "validation_error",
			message: "reply_to[0]: is not a valid address; subject: must be on one line",
		});
		const refused = problem("relay_rejected", "the relay refused the message", {
			smtp: { stage: "rcpt", code: 550, reply: "550 5.1.1 no such user" },
		});
		expect(toResendError(refused).message).toBe(
			"the relay refused the message; the relay said: 550 5.1.1 no such user",
		);
	});

	it("calls a bad Idempotency-Key invalid_idempotency_key, as Resend does", () => {
		const bad = problem("validation_failed", "Idempotency-Key must be 1 to 256 printable ASCII characters", {
			errors: [{ path: "Idempotency-Key", message: "must be 1 to 256 printable ASCII characters" }],
		});
		expect(toResendError(bad)).toEqual({
			statusCode: 400,
			name: "invalid_idempotency_key",
			message: "Idempotency-Key: must be 1 to 256 printable ASCII characters",
		});
	});

	it("answers application/json (resend-go reads no other type) with the status in the body and Retry-After", async () => {
		const response = resendErrorResponse({ statusCode: 429, name: "rate_limit_exceeded", message: "slow down" }, 7);
		expect(response.status).toBe(429);
		expect(response.headers.get("Content-Type")).toBe("application/json");
		expect(response.headers.get("Retry-After")).toBe("7");
		expect(await response.json()).toEqual({ statusCode: 429, name: "rate_limit_exceeded", message: "slow down" });
	});
});
