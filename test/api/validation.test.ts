/**
 * Invalid input is a 400 that lists every bad field by its path, and sends
 * nothing (these requests never get as far as a relay).
 */
import { describe, expect, it } from "vitest";
import { auth, call, message, post, problemOf } from "./support";

const paths = async (response: Response) => {
	expect(response.status).toBe(400);
	const p = await problemOf(response);
	expect(p.code).toBe("validation_failed");
	return (p.errors ?? []).map((e) => e.path);
};

describe("validation", () => {
	it("names each bad field of a message", async () => {
		const response = await post("/v1/send", {
			from: "not-an-address",
			to: ["ok@example.com", { email: "bad@", name: "Bad" }, "Name <x@-bad-.example>"],
			cc: [{ email: "c@example.com", nickname: "c" }],
			subject: "two\nlines",
			text: "hi",
			htlm: "<p>typo</p>",
			attachments: [
				{ filename: "a.bin", content: "@@not base64@@" },
				{ filename: "b.png", url: "http://example.com/b.png" },
				{ filename: "c.txt" },
				{ filename: "d.txt", content: "aGk=", type: "not a type", disposition: "sideways" },
			],
			headers: { "Bad Name": "x", Subject: "override", "X-Ok": "fine" },
			labelId: "4a",
		});
		expect((await paths(response)).sort()).toEqual(
			[
				"from",
				"to[1].email",
				"to[2]",
				"cc[0].nickname",
				"subject",
				"htlm",
				"attachments[0].content",
				"attachments[1].url",
				"attachments[2].content",
				"attachments[3].type",
				"attachments[3].disposition",
				'headers["Bad Name"]',
				"headers.Subject",
				"labelId",
			].sort(),
		);
	});

	it("requires text or html, at least one and at most 100 recipients, and a numeric labelId", async () => {
		expect(await paths(await post("/v1/send", message("x", { text: undefined })))).toEqual(["text"]);
		expect(await paths(await post("/v1/send", message("x", { to: [] })))).toEqual(["to"]);
		const many = Array.from({ length: 60 }, (_, i) => `r${i}@example.com`);
		expect(await paths(await post("/v1/send", message("x", { to: many, bcc: many })))).toEqual(["to"]);
		expect(await paths(await post("/v1/send", message("x", { labelId: -1 })))).toEqual(["labelId"]);
		expect(await paths(await post("/v1/send", message("x", { labelId: 1.5 })))).toEqual(["labelId"]);
		expect(await paths(await post("/v1/send", { subject: "s", text: "t" }))).toEqual(["from", "to"]);
		// Checks across fields still run when a field is bad: one answer lists it all.
		expect(await paths(await post("/v1/send", { from: "bad", to: "a@example.com", subject: "s" }))).toEqual([
			"from",
			"text",
		]);
	});

	it("refuses text that is not Unicode (a lone surrogate would silently become U+FFFD)", async () => {
		const body = message("x", { subject: "a\ud800b", from: { email: "s@example.com", name: "\udc00" } });
		expect((await paths(await post("/v1/send", body))).sort()).toEqual(["from.name", "subject"]);
	});

	it("refuses a body that is not JSON (400) or not declared as JSON (415)", async () => {
		const notJson = await call("/v1/send", { method: "POST", headers: auth, body: "{from:" });
		expect(await paths(notJson)).toEqual([""]);
		const text = await call("/v1/send", {
			method: "POST",
			headers: { ...auth, "Content-Type": "text/plain" },
			body: JSON.stringify(message("x")),
		});
		expect(text.status).toBe(415);
		expect((await problemOf(text)).code).toBe("unsupported_media_type");
	});

	it("checks a batch's envelope, and an over-long Idempotency-Key", async () => {
		expect(await paths(await post("/v1/batch", { messages: [] }))).toEqual(["messages"]);
		const tooMany = Array.from({ length: 101 }, () => message("x"));
		expect(await paths(await post("/v1/batch", { messages: tooMany }))).toEqual(["messages"]);
		expect(await paths(await post("/v1/batch", [message("x")]))).toEqual([""]);
		const key = await post("/v1/send", message("x"), {}, { "Idempotency-Key": "k".repeat(257) });
		expect(await paths(key)).toEqual(["Idempotency-Key"]);
	});

	it("answers an unknown route with a 404 problem", async () => {
		const response = await call("/v1/nope", { headers: auth });
		expect(response.status).toBe(404);
		expect((await problemOf(response)).code).toBe("not_found");
		expect(response.headers.get("X-Request-Id")).toBeTruthy();
	});
});
