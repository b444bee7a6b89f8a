/**
 * GET /openapi.json: generated from the schemas that validate, it must be a
 * valid OpenAPI 3.1 document (checked by a validator package) naming every
 * route, with the request and answer schemas the API really uses.
 */
import { describe, expect, it } from "vitest";
import { openApi31Validator } from "./openapi-validator";
import { call, callEntry } from "./support";

describe("GET /openapi.json", () => {
	it("is a valid OpenAPI 3.1 document with every route", async () => {
		const response = await callEntry("/openapi.json");
		expect(response.status).toBe(200);
		const doc = (await response.json()) as {
			openapi: string;
			paths: Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>;
			components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
		};
		const validator = openApi31Validator();
		const result = await validator.validate(structuredClone(doc));
		expect(result.errors).toBeUndefined();
		expect(result.valid).toBe(true);
		expect(validator.version).toBe("3.1");
		// The validator really checks: a broken copy is refused.
		const broken = structuredClone(doc) as unknown as { paths: Record<string, unknown> };
		broken.paths["/v1/send"] = { post: { responses: "none" } };
		expect((await openApi31Validator().validate(broken)).valid).toBe(false);
		expect(doc.openapi).toBe("3.1.0");

		const routes = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`));
		expect(routes.sort()).toEqual(
			[
				"post /v1/send",
				"post /v1/batch",
				"get /v1/limits",
				"get /healthz",
				"get /openapi.json",
				"post /v1/events/engagelab",
				"get /v1/suppressions",
				"get /v1/suppressions/{email}",
				"delete /v1/suppressions/{email}",
				"get /v1/messages",
				"get /v1/messages/{ref}",
				"delete /v1/messages/{ref}",
				"post /emails",
				"post /emails/batch",
				"get /emails",
				"get /emails/{id}",
				"patch /emails/{id}",
				"post /emails/{id}/cancel",
			].sort(),
		);
		expect(Object.keys(doc.components.schemas)).toEqual(
			expect.arrayContaining([
				"Message",
				"Mailbox",
				"Attachment",
				"BatchRequest",
				"Sent",
				"BatchResult",
				"Problem",
				"Suppression",
				"Accepted",
				"MessageRecord",
				"MessageList",
				"Limits",
			]),
		);
		expect(Object.keys(doc.components.securitySchemes).sort()).toEqual(["bearerAuth", "publicKey", "standardWebhooks"]);
		expect(doc.paths["/v1/send"].post.responses).toHaveProperty("429");
		expect(JSON.stringify(doc.paths["/v1/send"].post.requestBody)).toContain("#/components/schemas/Message");
		const send = doc.paths["/v1/send"].post as unknown as {
			parameters: { name: string; in: string }[];
			responses: Record<string, { headers?: Record<string, unknown> }>;
		};
		expect(send.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: "dryRun", in: "query" })]));
		expect(Object.keys(send.responses["200"].headers ?? {})).toEqual(["RateLimit-Policy", "RateLimit", "Location"]);
		// A 202 asks the limiter nothing: its policy, no RateLimit state.
		expect(Object.keys(send.responses["202"].headers ?? {})).toEqual([
			"Location",
			"Preference-Applied",
			"RateLimit-Policy",
		]);
		expect(send.parameters).toEqual(
			expect.arrayContaining([expect.objectContaining({ name: "Prefer", in: "header" })]),
		);
		expect(Object.keys(send.responses["429"].headers ?? {})).toEqual(["RateLimit-Policy", "RateLimit", "Retry-After"]);
		expect(JSON.stringify(send.responses["200"])).toContain("#/components/schemas/DryRun");
	});

	it("needs no credentials", async () => {
		expect((await call("/openapi.json")).status).toBe(200);
	});
});
