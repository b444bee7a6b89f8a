/**
 * The REST route's and the binding's failures as the problems an SMTP failure
 * becomes (src/send/route-problem.ts): one error model whatever the route.
 */
import { describe, expect, it } from "vitest";
import { BindingError } from "../../src/send/binding-route";
import { RestError } from "../../src/send/rest-client";
import { RestUnfit } from "../../src/send/rest-request";
import { routeOutcome } from "../../src/send/route-problem";
import { SmtpError } from "../../src/smtp";

const rest = (kind: RestError["kind"], status?: number, maybeSent = false) =>
	new RestError("rest said so", kind, {
		...(status === undefined ? {} : { status, code: 30801, reply: "From can not be empty" }),
		maybeSent,
	});

describe("a route's failure as a problem", () => {
	it("maps the REST API's answers", () => {
		expect(routeOutcome(rest("rejected", 400))).toMatchObject({
			problem: {
				code: "relay_rejected",
				status: 502,
				detail: expect.stringContaining("400 (code 30801): From can not be empty"),
			},
			release: true,
			cool: false,
		});
		expect(routeOutcome(rest("auth", 401))).toMatchObject({ problem: { code: "relay_rejected" } });
		expect(routeOutcome(rest("limit", 429))).toMatchObject({
			problem: { code: "rate_limited", retryAfter: 60 },
			cool: true,
		});
		expect(routeOutcome(rest("unavailable", 503))).toMatchObject({
			problem: { code: "relay_unavailable", status: 503 },
			release: true,
		});
		expect(routeOutcome(rest("unknown", undefined, true))).toMatchObject({
			problem: { code: "delivery_unknown" },
			release: false,
		});
	});

	it("names the field the REST API cannot carry", () => {
		const unfit = new RestUnfit([{ path: "subject", message: "at most 256 characters on the provider's REST API" }]);
		expect(routeOutcome(unfit)?.problem).toMatchObject({
			code: "validation_failed",
			status: 400,
			errors: [{ path: "subject", message: "at most 256 characters on the provider's REST API" }],
		});
	});

	it("maps the binding's refusals", () => {
		expect(routeOutcome(new BindingError("too big", "too_large"))?.problem.code).toBe("payload_too_large");
		const refused = new BindingError("no", "rejected", [
			{ address: "b@example.com", reason: "email to b@example.com not allowed" },
		]);
		expect(routeOutcome(refused)?.problem).toMatchObject({
			code: "relay_rejected",
			detail: expect.stringContaining("b@example.com"),
		});
		expect(routeOutcome(new BindingError("down", "unavailable"))?.problem.code).toBe("relay_unavailable");
	});

	it("leaves SMTP errors to the SMTP mapping", () => {
		expect(routeOutcome(new SmtpError("x", { stage: "mail", kind: "rejected" }))).toBeUndefined();
	});
});
