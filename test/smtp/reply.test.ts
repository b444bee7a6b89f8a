import { describe, expect, it } from "vitest";
import { parseReply, ReplyParser, ReplySyntaxError, type SmtpReply } from "../../src/smtp/reply";

const enc = new TextEncoder();

/** Feeds `text` cut at the given positions and returns every reply parsed. */
function feed(text: string, cuts: number[] = []): SmtpReply[] {
	const bytes = enc.encode(text);
	const parser = new ReplyParser();
	const out: SmtpReply[] = [];
	let from = 0;
	for (const cut of [...cuts, bytes.length]) {
		out.push(...parser.push(bytes.subarray(from, cut)));
		from = cut;
	}
	expect(parser.pending).toBe(false);
	return out;
}

const EHLO =
	"250-EngageLab Inbound Server Hello, Haraka is at your service.\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE 16000000\r\n250-STARTTLS\r\n250 AUTH LOGIN\r\n";

describe("reply parser", () => {
	it("reads a one-line reply", () => {
		expect(feed("220 EngageLab Inbound Server ESMTP Haraka 2.2.4 ready\r\n")).toEqual([
			{
				code: 220,
				lines: ["EngageLab Inbound Server ESMTP Haraka 2.2.4 ready"],
				text: "220 EngageLab Inbound Server ESMTP Haraka 2.2.4 ready",
			},
		]);
	});

	it("reads a multi-line reply as one", () => {
		const [reply, ...rest] = feed(EHLO);
		expect(rest).toEqual([]);
		expect(reply.code).toBe(250);
		expect(reply.lines).toEqual([
			"EngageLab Inbound Server Hello, Haraka is at your service.",
			"PIPELINING",
			"8BITMIME",
			"SIZE 16000000",
			"STARTTLS",
			"AUTH LOGIN",
		]);
		expect(reply.text).toBe(EHLO.trimEnd().replaceAll("\r\n", "\n"));
	});

	it("gives the same replies wherever the packets are cut", () => {
		const text = `${EHLO}334 UGFzc3dvcmQ6\r\n550 5.1.1 <x@y>: Recipient address rejected\r\n`;
		const whole = feed(text);
		expect(whole.map((r) => r.code)).toEqual([250, 334, 550]);
		for (let i = 0; i <= text.length; i++) expect(feed(text, [i])).toEqual(whole);
		for (let i = 0; i < text.length; i += 7) expect(feed(text, [i, i + 3, i + 5])).toEqual(whole);
		// One byte per packet.
		expect(
			feed(
				text,
				Array.from({ length: text.length }, (_, i) => i),
			),
		).toEqual(whole);
	});

	it("splits several replies in one packet (pipelining)", () => {
		const replies = feed(
			"250 sender <a@b> OK\r\n250 recipient <c@d> OK\r\n550 5.1.1 nope\r\n354 go ahead, make my day\r\n",
		);
		expect(replies.map((r) => [r.code, r.enhancedCode])).toEqual([
			[250, undefined],
			[250, undefined],
			[550, "5.1.1"],
			[354, undefined],
		]);
	});

	it("reads enhanced status codes only when they match the reply's class", () => {
		expect(parseReply("250 2.0.0 Ok: queued as ABC").enhancedCode).toBe("2.0.0");
		expect(parseReply("535 5.7.8 Authentication failed").enhancedCode).toBe("5.7.8");
		expect(parseReply("451 4.5.0 Bare LF").enhancedCode).toBe("4.5.0");
		expect(parseReply("250 5.0.0 odd").enhancedCode).toBeUndefined();
		expect(parseReply("250 2.0.0x").enhancedCode).toBeUndefined();
		expect(parseReply("536 Frequency limited").enhancedCode).toBeUndefined();
		expect(parseReply("250-2.1.0 first\r\n250 2.1.0 second").enhancedCode).toBe("2.1.0");
	});

	it("takes bare LF line ends and a code with no text", () => {
		expect(feed("250-a\n250\n").map((r) => r.lines)).toEqual([["a", ""]]);
	});

	it("reads UTF-8 text", () => {
		expect(parseReply("550 5.1.1 <josé@exämple.com> unknown").lines[0]).toBe("5.1.1 <josé@exämple.com> unknown");
	});

	it("refuses what is not a reply", () => {
		expect(() => feed("hello\r\n")).toThrow(ReplySyntaxError);
		expect(() => feed("25 x\r\n")).toThrow(ReplySyntaxError);
		expect(() => feed("2500 x\r\n")).toThrow(ReplySyntaxError);
		expect(() => feed("650 x\r\n")).toThrow(ReplySyntaxError);
		expect(() => feed("250-a\r\n354 b\r\n")).toThrow(/code changed/);
		expect(() => new ReplyParser().push(enc.encode(`250 ${"x".repeat(10_000)}`))).toThrow(/too long/);
	});

	it("forgets everything on reset (nothing read before STARTTLS is used after it)", () => {
		const parser = new ReplyParser();
		expect(parser.push(enc.encode("220 Ready\r\n250-inject"))).toHaveLength(1);
		expect(parser.pending).toBe(true);
		parser.reset();
		expect(parser.pending).toBe(false);
		// Had "250-inject" been kept, this would be its continuation.
		expect(parser.push(enc.encode("250 ok\r\n"))).toEqual([{ code: 250, lines: ["ok"], text: "250 ok" }]);
		expect(parser.pending).toBe(false);
	});
});
