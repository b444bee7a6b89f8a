/**
 * Hostile and malformed input: every CR, LF or NUL where a header would carry
 * it, every header-name trick, refused with an error that names the field.
 */
import { describe, expect, it } from "vitest";
import { type MessageInput, MimeValidationError } from "../../src/mime/index.ts";
import { compose, latin1, readBody } from "./helpers.ts";

const valid = (): MessageInput => ({
	from: { email: "sender@example.com", name: "Sender" },
	to: [{ email: "a@example.com" }, { email: "b@example.com", name: "B" }],
	cc: [{ email: "c@example.com", name: "C" }],
	bcc: [{ email: "d@example.com", name: "D" }],
	replyTo: [{ email: "r@example.com", name: "R" }],
	subject: "Hello",
	text: "Hi",
	html: '<img src="cid:x">',
	attachments: [
		{ filename: "a.png", type: "image/png", disposition: "inline", contentId: "x", content: new Uint8Array([1]) },
	],
	headers: { "X-Ok": "fine" },
});

/** The issues composeMessage throws for the input after `mutate`. */
function issues(mutate: (input: MessageInput) => void): MimeValidationError["issues"] {
	const input = valid();
	mutate(input);
	try {
		compose(input);
	} catch (error) {
		expect(error).toBeInstanceOf(MimeValidationError);
		return (error as MimeValidationError).issues;
	}
	throw new Error("composeMessage accepted hostile input");
}

const HOSTILE = [
	"x\r\nBcc: evil@example.net",
	"x\nBcc: evil@example.net",
	"x\rX-Evil: 1",
	"x\u0000y",
	"x\r\n.\r\nMAIL FROM:<e@x>",
];

describe("hostile values are refused, naming the field", () => {
	const fields: [string, (input: MessageInput, value: string) => void, (string | number)[]][] = [
		["from.email", (m, v) => (m.from.email = `a${v}@example.com`), ["from", "email"]],
		["from.name", (m, v) => (m.from.name = v), ["from", "name"]],
		["to[1].email", (m, v) => (m.to[1].email = `b@example.com${v}`), ["to", 1, "email"]],
		["to[1].name", (m, v) => (m.to[1].name = v), ["to", 1, "name"]],
		["cc[0].name", (m, v) => ((m.cc ?? [])[0].name = v), ["cc", 0, "name"]],
		["bcc[0].email", (m, v) => ((m.bcc ?? [])[0].email = v), ["bcc", 0, "email"]],
		["replyTo[0].name", (m, v) => ((m.replyTo ?? [])[0].name = v), ["replyTo", 0, "name"]],
		["subject", (m, v) => (m.subject = v), ["subject"]],
		[
			"attachments[0].filename",
			(m, v) => ((m.attachments ?? [])[0].filename = `a${v}.png`),
			["attachments", 0, "filename"],
		],
		["attachments[0].contentId", (m, v) => ((m.attachments ?? [])[0].contentId = v), ["attachments", 0, "contentId"]],
		["attachments[0].type", (m, v) => ((m.attachments ?? [])[0].type = `image/png${v}`), ["attachments", 0, "type"]],
		["headers value", (m, v) => (m.headers = { "X-Ok": v }), ["headers", "X-Ok"]],
	];
	for (const [label, set, path] of fields) {
		it(label, () => {
			for (const value of HOSTILE) {
				const found = issues((input) => set(input, value));
				expect(found.map((issue) => issue.path)).toContainEqual(path);
			}
		});
	}

	it("the error message names the field and never echoes the hostile value", () => {
		try {
			compose({ ...valid(), to: [{ email: "a@example.com" }, { email: "b@example.com", name: "B\r\nBcc: evil@x" }] });
			throw new Error("accepted");
		} catch (error) {
			expect(error).toBeInstanceOf(MimeValidationError);
			expect((error as Error).message).toContain("to[1].name: must not contain CR, LF or NUL");
			expect((error as Error).message).not.toContain("evil");
		}
	});

	it("every problem is reported at once", () => {
		const found = issues((m) => {
			m.subject = "a\r\nb";
			m.to[0].name = "\u0000";
			(m.attachments ?? [])[0].filename = "\n";
		});
		expect(found.map((issue) => issue.path)).toEqual([["to", 0, "name"], ["subject"], ["attachments", 0, "filename"]]);
	});
});

describe("header names", () => {
	it("names outside RFC 5322 field-name syntax are refused", () => {
		for (const name of [
			"X-A: b\r\nBcc",
			"Subject ",
			":",
			"",
			"X A",
			"X-A:",
			"Ümlaut",
			"X\u0000",
			`X-${"a".repeat(80)}`,
		]) {
			expect(issues((m) => (m.headers = { [name]: "v" }))).toEqual([
				{ path: ["headers", name], message: expect.any(String) },
			]);
		}
	});

	it("headers the composer writes cannot be set, in any case", () => {
		const owned = ["From", "to", "CC", "Bcc", "bcc", "Reply-To", "Subject", "Date", "Message-ID", "MIME-Version"];
		const content = ["Content-Type", "content-transfer-encoding", "Content-Disposition", "Content-ID"];
		for (const name of [...owned, ...content]) {
			const [issue] = issues((m) => (m.headers = { [name]: "v" }));
			expect(issue.path).toEqual(["headers", name]);
			expect(issue.message).toMatch(/cannot be set through headers/);
		}
	});

	it("a caller header whose word cannot fit 998 octets is refused", () => {
		expect(issues((m) => (m.headers = { "X-Long": "x".repeat(1000) }))).toEqual([
			{ path: ["headers", "X-Long"], message: expect.stringContaining("998") },
		]);
	});

	it("allowed headers are written, folded, non-ASCII encoded", async () => {
		const message = compose({ ...valid(), headers: { "X-Campaign": "nov", "X-Note": "café", constructor: "x" } });
		const source = latin1((await readBody(message)).bytes);
		expect(source).toContain("\r\nconstructor: x\r\n");
		expect(source).toContain("\r\nX-Campaign: nov\r\n");
		expect(source).toContain("\r\nX-Note: =?UTF-8?");
	});
});

describe("other malformed input", () => {
	it("addresses that are not addresses", () => {
		for (const email of [
			"",
			"plain",
			"a@",
			"@b.com",
			"a b@c.com",
			"a@b c.com",
			"a@-b.com",
			"a..b@c.com",
			"a@b..com",
			"<a@b.com>",
		]) {
			expect(
				issues((m) => (m.to[0].email = email)).map((i) => i.path),
				email,
			).toEqual([["to", 0, "email"]]);
		}
	});

	it("no recipient at all, no body at all, bad attachment fields", () => {
		expect(issues((m) => Object.assign(m, { to: [], cc: [], bcc: [] })).map((i) => i.path)).toEqual([["to"]]);
		expect(issues((m) => Object.assign(m, { text: undefined, html: undefined })).map((i) => i.path)).toEqual([
			["text"],
		]);
		const found = issues((m) => {
			m.attachments = [
				{ filename: "", content: new Uint8Array() },
				{ filename: "a", type: "not a type", content: new Uint8Array() },
				{ filename: "b", contentId: "has space", content: new Uint8Array() },
				{ filename: "c", contentId: "x", content: new Uint8Array() },
				{ filename: "d", contentId: "<x>", content: new Uint8Array() },
				{ filename: "e", disposition: "sideways" as "inline", content: new Uint8Array() },
				{
					filename: "g",
					contentId: "x".repeat(256),
					type: `text/plain; a=${"b".repeat(250)}`,
					content: new Uint8Array(),
				},
				{ filename: "f", content: "not bytes" as unknown as Uint8Array },
			];
		});
		expect(found.map((i) => i.path)).toEqual([
			["attachments", 0, "filename"],
			["attachments", 1, "type"],
			["attachments", 2, "contentId"],
			["attachments", 4, "contentId"],
			["attachments", 5, "disposition"],
			["attachments", 6, "type"],
			["attachments", 6, "contentId"],
			["attachments", 7, "content"],
		]);
		expect(found[3].message).toMatch(/used by another attachment/);
	});
});

describe("what the message never contains", () => {
	it("Bcc appears nowhere in the bytes, yet its address is in the envelope", async () => {
		const message = compose({ ...valid(), bcc: [{ email: "hidden-person@example.org", name: "Hidden Person" }] });
		const source = latin1((await readBody(message)).bytes);
		expect(source).not.toMatch(/bcc/i);
		expect(source).not.toContain("hidden-person");
		expect(source).not.toContain("Hidden Person");
		expect(message.envelope.to).toContain("hidden-person@example.org");
	});

	it('"\\r\\n.\\r\\n" in a body becomes a =2E line, never a lone dot', async () => {
		const message = compose({ ...valid(), text: "a\r\n.\r\nMAIL FROM:<x@y>\r\n", html: "<p>\n.\n</p>" });
		const source = latin1((await readBody(message)).bytes);
		expect(source).not.toMatch(/\r\n\./);
		expect(source).toContain("a\r\n=2E\r\nMAIL FROM:<x@y>\r\n");
	});
});
