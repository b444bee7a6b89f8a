/** RFC 2047 encoded-words: the §8 examples, the 75-character limit, splits between whole characters. */
import { decodeWords } from "postal-mime";
import { describe, expect, it } from "vitest";
import { encodeWords, needsEncoding } from "../../src/mime/encoded-word.ts";

const WORD = /^=\?UTF-8\?([BQ])\?([^?\s]*)\?=$/;

/** Decodes one word on its own, refusing a split UTF-8 sequence. */
function decodeAlone(word: string): string {
	const [, mode, payload] = WORD.exec(word) ?? [];
	let bytes: Uint8Array;
	if (mode === "B") bytes = Uint8Array.from(atob(payload), (c) => c.charCodeAt(0));
	else {
		const binary = payload
			.replace(/_/g, " ")
			.replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(Number.parseInt(h, 16)));
		bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
	}
	return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes);
}

function expectWords(words: string[], text: string, max = 75): void {
	for (const word of words) {
		expect(word.length, word).toBeLessThanOrEqual(max);
		expect(word).toMatch(WORD);
		decodeAlone(word); // throws on a character split across words
	}
	expect(words.map(decodeAlone).join("")).toBe(text);
	// Joined by folding white space, as in a header, a real decoder gets the text back.
	expect(decodeWords(words.join("\r\n "))).toBe(text);
}

describe("encoded-words (RFC 2047)", () => {
	it("§8 examples, with UTF-8 for the charset: Q where it is shorter", () => {
		expect(encodeWords("Keith Moore")).toEqual(["=?UTF-8?Q?Keith_Moore?="]);
		expect(encodeWords("Keld Jørn Simonsen")).toEqual(["=?UTF-8?Q?Keld_J=C3=B8rn_Simonsen?="]);
		// "André" is 6 UTF-8 bytes: 8 characters of B beat 10 of Q.
		expect(encodeWords("André")).toEqual(["=?UTF-8?B?QW5kcsOp?="]);
		expectWords(
			encodeWords("If you can read this you understand the example."),
			"If you can read this you understand the example.",
		);
	});

	it("§8: white space between adjacent words is dropped by decoders, so spaces travel inside the words", () => {
		expect(decodeWords("(=?ISO-8859-1?Q?a?= =?ISO-8859-1?Q?b?=)")).toBe("(ab)");
		const text = "a b c d e f g h i j k l m n o p";
		const words = encodeWords(text, 24, 24);
		expect(words.length).toBeGreaterThan(2);
		expectWords(words, text, 24);
	});

	it("§5 (3): Q words carry only letters, digits and ! * + - / as they are", () => {
		const [word] = encodeWords('a"b(c)d,e.f:g;h<i>j@k[l]m?n=o_p\\q');
		const payload = WORD.exec(word)?.[2] ?? "";
		expect(payload).toMatch(/^(?:[A-Za-z0-9!*+\-/_]|=[0-9A-F]{2})*$/);
	});

	it("splits long text into words of at most 75 characters, between whole characters", () => {
		for (const text of [
			"您的订单已发货，请查收附件中的发票。".repeat(10),
			"تم شحن طلبك، يرجى مراجعة الفاتورة المرفقة ".repeat(8),
			"🎉👩‍👩‍👧‍👦🇯🇵✓".repeat(20),
			"Résumé of the café déjà vu ".repeat(12),
		]) {
			const words = encodeWords(text);
			expect(words.length).toBeGreaterThan(1);
			expectWords(words, text);
		}
	});

	it("the first word can be made shorter to fit what is left of a header line", () => {
		const words = encodeWords("中".repeat(60), 40, 75);
		expect(words[0].length).toBeLessThanOrEqual(40);
		expect(words[1].length).toBeGreaterThan(40);
		expectWords(words, "中".repeat(60));
	});

	it("needsEncoding: non-ASCII, control characters, and text that looks like an encoded-word", () => {
		expect(needsEncoding("plain ASCII, with (specials) and\ttab")).toBe(false);
		expect(needsEncoding("café")).toBe(true);
		expect(needsEncoding("bell\u0007")).toBe(true);
		expect(needsEncoding("=?UTF-8?Q?x?=")).toBe(true);
	});
});
