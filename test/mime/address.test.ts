/** Addresses: IDN domains, UTF-8 local parts (SMTPUTF8), quoting of names, and the envelope. */
import { describe, expect, it } from "vitest";
import { compose, expectRoundTrip, latin1, readBody } from "./helpers.ts";

const body = { subject: "Hi", text: "Hello" };

describe("addresses", () => {
	it("an internationalised domain goes as punycode in headers and envelope; no SMTPUTF8 needed", async () => {
		const { message, raw } = await expectRoundTrip({
			...body,
			from: { email: "info@bücher.example", name: "Bücher" },
			to: [{ email: "kunde@münchen.example" }],
		});
		expect(message.envelope).toEqual({ from: "info@xn--bcher-kva.example", to: ["kunde@xn--mnchen-3ya.example"] });
		expect(message.messageId).toMatch(/^<[0-9a-f]{32}@xn--bcher-kva\.example>$/);
		expect([message.smtpUtf8, message.eightBit]).toEqual([false, false]);
		expect(raw.every((b) => b < 128)).toBe(true);
	});

	it("a UTF-8 local part: smtpUtf8 and eightBit set, the header carries the raw UTF-8 address", async () => {
		const message = compose({
			...body,
			from: { email: "sender@example.com" },
			to: [{ email: "用户@例子.中国", name: "用户" }],
		});
		expect([message.smtpUtf8, message.eightBit]).toEqual([true, true]);
		expect(message.envelope.to).toEqual(["用户@xn--fsqu00a.xn--fiqs8s"]);
		const raw = (await readBody(message)).bytes;
		expect(new TextDecoder().decode(raw)).toMatch(/\r\nTo: =\?UTF-8\?B\?[^?]+\?= <用户@xn--fsqu00a\.xn--fiqs8s>\r\n/);
		expect(raw.length).toBe(message.size);
	});

	it("a UTF-8 local part reads back with both parsers", async () => {
		await expectRoundTrip({
			...body,
			from: { email: "sender@example.com" },
			to: [{ email: "josé@example.com", name: "José" }],
		});
	});

	it("ASCII names with specials are quoted, plain ones are not, and both read back", async () => {
		const { raw } = await expectRoundTrip({
			...body,
			from: { email: "a@example.com", name: "Plain Name" },
			to: [
				{ email: "b@example.com", name: "Doe, John" },
				{ email: "c@example.com", name: 'Say "hi" \\ bye' },
				{ email: "d@example.com", name: "=?not-a-word?=" },
			],
			cc: [{ email: '"john doe"@example.com', name: "Quoted Local" }],
		});
		const source = latin1(raw);
		expect(source).toContain("From: Plain Name <a@example.com>\r\n");
		expect(source).toContain('"Doe, John" <b@example.com>');
		expect(source).toContain('"Say \\"hi\\" \\\\ bye" <c@example.com>');
		expect(source).toContain('Cc: Quoted Local <"john doe"@example.com>\r\n');
	});

	it("the envelope lists to, cc and bcc once each, the domain compared without case", () => {
		const message = compose({
			...body,
			from: { email: "Sender@Example.COM" },
			to: [{ email: "amy@example.com" }, { email: "Ben@Example.org" }],
			cc: [{ email: "amy@EXAMPLE.com" }, { email: "ben@example.org" }],
			bcc: [{ email: "Ben@example.ORG" }, { email: "cid@example.net" }],
		});
		expect(message.envelope).toEqual({
			from: "Sender@Example.COM",
			to: ["amy@example.com", "Ben@Example.org", "ben@example.org", "cid@example.net"],
		});
	});

	it("only bcc recipients: no To header, the envelope still has them", async () => {
		const { message, raw } = await expectRoundTrip({
			...body,
			from: { email: "a@example.com" },
			to: [],
			bcc: [{ email: "x@example.com" }, { email: "y@example.com" }],
		});
		expect(latin1(raw)).not.toMatch(/^To:/m);
		expect(message.envelope.to).toEqual(["x@example.com", "y@example.com"]);
	});
});
