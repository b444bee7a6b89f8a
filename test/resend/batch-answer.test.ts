/** POST /emails/batch's answer from each email's outcome, strict and permissive. */
import { describe, expect, it } from "vitest";
import { batchAnswer, refuseStrict } from "../../src/api/resend/batch-answer";
import type { ResendError } from "../../src/api/resend/errors";

const invalid: ResendError = { statusCode: 422, name: "missing_required_field", message: "to: is required" };
const refused: ResendError = { statusCode: 502, name: "application_error", message: "the relay refused the message" };

describe("batch answers", () => {
	it("strict: the first invalid email refuses the batch, saying which", () => {
		expect(
			refuseStrict([
				{ index: 3, error: invalid },
				{ index: 1, error: invalid },
			]),
		).toEqual({
			...invalid,
			message: "emails[1]: to: is required",
		});
		expect(refuseStrict([])).toBeUndefined();
	});

	it("lists what went in request order, and only adds errors in strict mode when there are some", () => {
		expect(
			batchAnswer("strict", [
				{ index: 1, id: "b" },
				{ index: 0, id: "a" },
			]),
		).toEqual({
			ok: true,
			body: { data: [{ id: "a" }, { id: "b" }] },
		});
		expect(batchAnswer("permissive", [{ index: 0, id: "a" }])).toEqual({
			ok: true,
			body: { data: [{ id: "a" }], errors: [] },
		});
	});

	it("permissive: invalid and refused emails are errors with their index, the rest went", () => {
		expect(
			batchAnswer("permissive", [
				{ index: 0, id: "a" },
				{ index: 1, error: invalid },
				{ index: 2, error: refused },
			]),
		).toEqual({
			ok: true,
			body: {
				data: [{ id: "a" }],
				errors: [
					{ index: 1, message: "to: is required" },
					{ index: 2, message: "the relay refused the message" },
				],
			},
		});
	});

	it("answers the first error when nothing went, so the client retries the batch whole", () => {
		expect(
			batchAnswer("strict", [
				{ index: 1, error: refused },
				{ index: 0, error: refused },
			]),
		).toEqual({
			ok: false,
			error: { ...refused, message: "emails[0]: the relay refused the message" },
		});
	});
});
