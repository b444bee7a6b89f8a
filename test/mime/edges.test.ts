/**
 * Protocol edges an outside review found (issue 11, items 16, 17, 19): each
 * input composed, read out and, where it matters, parsed back with a real
 * MIME parser.
 */
import { describe, expect, it } from "vitest";
import { MimeValidationError } from "../../src/mime/index.ts";
import type { MessageInput } from "../../src/mime/types.ts";
import {
	badLines,
	compose,
	expectRoundTrip,
	latin1,
	parseWithMailparser,
	parseWithPostal,
	pseudoBytes,
	readBody,
} from "./helpers.ts";

const encoder = new TextEncoder();
const base = (extra: Partial<MessageInput> = {}): MessageInput => ({
	from: { email: "amy@example.com" },
	to: [{ email: "ben@example.com" }],
	subject: "edges",
	text: "hello\n",
	...extra,
});

/** The header block of a composed message, as lines. */
async function headerLines(input: MessageInput): Promise<string[]> {
	const { bytes } = await readBody(compose(input));
	const source = latin1(bytes);
	return source.split("\r\n");
}

/** The issue paths composeMessage refuses `input` with. */
function refusedPaths(input: MessageInput): string[][] {
	try {
		compose(input);
	} catch (error) {
		expect(error).toBeInstanceOf(MimeValidationError);
		return (error as MimeValidationError).issues.map((i) => i.path.map(String));
	}
	throw new Error("composeMessage accepted the input");
}

describe("message/rfc822 attachments (RFC 2046 §5.2.1: no base64 under message/*)", () => {
	const eml = "From: a@example.com\r\nTo: b@example.com\r\nSubject: inner\r\n\r\nthe inner body\r\n";

	it("a .eml with CRLF lines goes 7bit, as it is, and parses back as an attachment", async () => {
		const input = base({ attachments: [{ filename: "fwd.eml", content: encoder.encode(eml) }] });
		const { bytes } = await readBody(compose(input));
		const source = latin1(bytes);
		expect(source).toMatch(/Content-Type: message\/rfc822[^\r]*\r\nContent-Transfer-Encoding: 7bit\r\n/);
		expect(source).toContain(`\r\n\r\n${eml}`);
		expect(badLines(bytes)).toEqual([]);
		const parsed = await parseWithMailparser(bytes);
		expect(parsed.attachments.map((a) => a.contentType)).toEqual(["message/rfc822"]);
		expect(atob(parsed.attachments[0].content)).toBe(eml);
	});

	it("8-bit content goes 8bit and asks for BODY=8BITMIME", async () => {
		const utf8 = eml.replace("the inner body", "grüße");
		const message = compose(base({ attachments: [{ filename: "fwd.eml", content: encoder.encode(utf8) }] }));
		const source = latin1((await readBody(message)).bytes);
		expect(source).toMatch(/Content-Type: message\/rfc822[^\r]*\r\nContent-Transfer-Encoding: 8bit\r\n/);
		expect(message.eightBit).toBe(true);
	});

	for (const [label, content] of [
		["bare LF lines", eml.replace(/\r\n/g, "\n")],
		["a line over 998 octets", `Subject: x\r\n\r\n${"y".repeat(999)}\r\n`],
		["a NUL byte", eml.replace("inner body", "inner\0body")],
	] as const) {
		it(`${label}: sent as application/octet-stream in base64 instead, bytes intact`, async () => {
			const bytesIn = encoder.encode(content);
			const input = base({ attachments: [{ filename: "fwd.eml", content: bytesIn }] });
			const { bytes } = await readBody(compose(input));
			const source = latin1(bytes);
			expect(source).not.toMatch(/Content-Type: message\//);
			expect(source).toMatch(/Content-Type: application\/octet-stream[^\r]*\r\nContent-Transfer-Encoding: base64/);
			const postal = await parseWithPostal(bytes);
			expect(new Uint8Array(postal.attachments[0].content as ArrayBuffer)).toEqual(bytesIn);
		});
	}

	it("an explicit message/rfc822 type follows the same rule", async () => {
		const input = base({
			attachments: [{ filename: "x.bin", type: "message/rfc822", content: pseudoBytes(300) }],
		});
		const source = latin1((await readBody(compose(input))).bytes);
		expect(source).not.toMatch(/Content-Type: message\//);
	});
});

describe("every header line ≤ 998 octets (RFC 5322 §2.1.1)", () => {
	// mailparser turns white space around a fold into one space (its reading, also for a 100-space run folded
	// before the run); its raw header lines, unfolded as RFC 5322 §2.2.3 says, and postal-mime keep every space.
	it('the subject "a" + 1500 spaces + "b" is folded inside the run and reads back whole', async () => {
		const subject = `a${" ".repeat(1500)}b`;
		const { bytes } = await readBody(compose(base({ subject })));
		expect(badLines(bytes)).toEqual([]);
		expect((await parseWithPostal(bytes)).subject).toBe(subject);
		const raw = (await parseWithMailparser(bytes)).headerLines.find(([name]) => name === "subject")?.[1];
		expect(raw?.replace(/\r\n/g, "")).toBe(`Subject: ${subject}`);
	});

	it("a custom header with a long run of spaces is folded too", async () => {
		const value = `x${" ".repeat(1200)}y`;
		const { bytes } = await readBody(compose(base({ headers: { "X-Spaces": value } })));
		expect(badLines(bytes)).toEqual([]);
		const raw = (await parseWithMailparser(bytes)).headerLines.find(([name]) => name === "x-spaces")?.[1];
		expect(raw?.replace(/\r\n/g, "")).toBe(`X-Spaces: ${value}`);
	});

	it("a run of spaces too long for two lines is refused, naming the field", () => {
		expect(refusedPaths(base({ subject: `a${" ".repeat(2500)}b` }))).toEqual([["subject"]]);
		expect(refusedPaths(base({ headers: { "X-Spaces": `a${" ".repeat(2500)}b` } }))).toEqual([["headers", "X-Spaces"]]);
	});

	it("trailing spaces past the line limit are refused, naming the field", () => {
		expect(refusedPaths(base({ subject: `a${" ".repeat(1200)}` }))).toEqual([["subject"]]);
	});
});

describe("RFC 2047 and RFC 2231 details", () => {
	it("every header line holding an encoded-word is at most 76 characters (§2)", async () => {
		const inputs = [
			base({ subject: `Re: ${"déjà vu ".repeat(30)}` }),
			base({ subject: `${"x".repeat(40)} 日本語のテキスト ${"y".repeat(30)}` }),
			base({ from: { email: "amy@example.com", name: `Zoë ${"Ünïcödé ".repeat(12)}` } }),
			base({
				to: [
					{ email: "ben@example.com", name: "Ben Ünïcödé" },
					{ email: "cy@example.com", name: "Çy" },
				],
			}),
			base({ headers: { "X-Long-Header-Name-Here": `prefix ${"ñ".repeat(90)}` } }),
		];
		for (const input of inputs) {
			const lines = (await headerLines(input)).filter((l) => l.includes("=?"));
			expect(lines.length).toBeGreaterThan(0);
			for (const line of lines) expect(line.length, line).toBeLessThanOrEqual(76);
		}
	});

	it("a non-ASCII attachment name is an RFC 2231 `name*` parameter, never encoded-words in quotes", async () => {
		const filename = "Übersicht März.pdf";
		const input = base({ attachments: [{ filename, type: "application/pdf", content: pseudoBytes(50) }] });
		const source = (await headerLines(input)).join("\r\n");
		expect(source).not.toMatch(/name="=\?/);
		expect(source).toMatch(/Content-Type: application\/pdf;\s+name\*=utf-8''/);
		await expectRoundTrip(input);
	});
});

describe("Content-IDs and cid: URLs", () => {
	const png = pseudoBytes(20);
	for (const bad of ['a"b@x', "a(b)@x", "a,b@x", "a:b@x", "a;b@x", "a[b]@x", "a\\b@x", ".a@x", "a..b@x", "ü@x"]) {
		it(`contentId ${JSON.stringify(bad)} is not a msg-id body: refused, naming the field`, () => {
			const input = base({
				html: `<img src="cid:${bad}">`,
				attachments: [{ filename: "a.png", disposition: "inline", contentId: bad, content: png }],
			});
			expect(refusedPaths(input)).toEqual([["attachments", "0", "contentId"]]);
		});
	}

	it("msg-id bodies and bare ids like logo are accepted", () => {
		for (const good of ["logo", "part1.abc@example.com", "a+b=c@x.y", "a!#$%&'*/=?^_`{|}~-@x"]) {
			const input = base({
				html: "<p>x</p>",
				attachments: [{ filename: "a.png", disposition: "inline", contentId: good, content: png }],
			});
			expect(() => compose(input), good).not.toThrow();
		}
	});

	it("a generated cid: URL is percent-encoded (RFC 2392); the Content-ID stays a msg-id", async () => {
		const image = btoa(String.fromCharCode(...png));
		const input = base({
			from: { email: "amy@[127.0.0.1]" },
			html: `<img src="data:image/png;base64,${image}">`,
		});
		const message = compose(input);
		expect(message.warnings).toEqual([]);
		const source = latin1((await readBody(message)).bytes);
		const contentId = /Content-ID: <([^>]+)>/.exec(source)?.[1] ?? "";
		expect(contentId).toMatch(/^[0-9a-f]+@\[127\.0\.0\.1\]$/);
		const url = `cid:${contentId.replace("[", "%5B").replace("]", "%5D")}`;
		const postal = await parseWithPostal(encoder.encode(source));
		expect(postal.html).toContain(`src="${url}"`);
	});
});
