/** Header fields: names, folding at 78 octets, never past 998, and unstructured text. */
import { decodeWords } from "postal-mime";
import { describe, expect, it } from "vitest";
import { FieldWriter, formatDate, isFieldName } from "../../src/mime/headers.ts";
import { compose, latin1, pseudoBytes, readBody } from "./helpers.ts";

const lines = (field: FieldWriter) => field.toString().slice(0, -2).split("\r\n");
const unfold = (field: FieldWriter) => field.toString().slice(0, -2).replace(/\r\n/g, "");

describe("header fields", () => {
	it("field names are printable ASCII without colon or space (RFC 5322 §3.6.8)", () => {
		for (const good of ["X-Campaign", "List-Unsubscribe", "X_A.b~!"]) expect(isFieldName(good), good).toBe(true);
		for (const bad of ["", "X A", "Subject ", ":", "X-A:", "X-A: b\r\nBcc", "Ünicode", "X\u0000"]) {
			expect(isFieldName(bad), JSON.stringify(bad)).toBe(false);
		}
	});

	it("folds at white space before 78 octets, and unfolding restores the text", () => {
		const text = "word ".repeat(60).trim();
		const field = new FieldWriter("Subject").addText(text, { encodeLongWords: true });
		for (const line of lines(field)) expect(line.length).toBeLessThanOrEqual(78);
		expect(lines(field).length).toBeGreaterThan(3);
		expect(unfold(field)).toBe(`Subject: ${text}`);
	});

	it("keeps runs of spaces, never folds before white space alone", () => {
		const text = `a${" ".repeat(100)}b`;
		const field = new FieldWriter("Subject").addText(text, { encodeLongWords: true });
		for (const line of lines(field)) expect(line.trim()).not.toBe("");
		expect(unfold(field)).toBe(`Subject: ${text}`);
	});

	it("encodes only the run of words that needs it; the ASCII around it stays readable", () => {
		const field = new FieldWriter("Subject").addText("Order 42: 您的订单 已发货 — thanks!", { encodeLongWords: true });
		const value = unfold(field).slice("Subject: ".length);
		expect(value).toMatch(/^Order 42: =\?UTF-8\?.*\?= thanks!$/);
		expect(decodeWords(value)).toBe("Order 42: 您的订单 已发货 — thanks!");
	});

	it("encodes what a decoder would take for an encoded-word, so it reads back literally", () => {
		const field = new FieldWriter("Subject").addText("about =?UTF-8?Q?x?= syntax", { encodeLongWords: true });
		expect(decodeWords(unfold(field).slice("Subject: ".length))).toBe("about =?UTF-8?Q?x?= syntax");
	});

	it("a word too long for a line: encoded in the subject, kept whole (≤ 998) in caller headers", () => {
		const word = "x".repeat(120);
		const subject = new FieldWriter("Subject").addText(`see ${word}`, { encodeLongWords: true });
		for (const line of lines(subject)) expect(line.length).toBeLessThanOrEqual(78);
		expect(decodeWords(unfold(subject).slice("Subject: ".length))).toBe(`see ${word}`);
		const url = `<https://example.com/u?${"a".repeat(100)}>`;
		const header = new FieldWriter("List-Unsubscribe").addText(url, { encodeLongWords: false });
		expect(header.toString()).toBe(`List-Unsubscribe: ${url}\r\n`);
	});

	it("Date is RFC 5322 date-time in UTC", () => {
		expect(formatDate(new Date("2026-03-01T07:08:09Z"))).toBe("Sun, 01 Mar 2026 07:08:09 +0000");
	});

	it("in a whole message, every header line of every part stays within 78 octets", async () => {
		const names = ["Amy", 'Ben "B" Brown', "张伟", "محمد العلي", "Zoë 🎉", "A Rather Long Display Name Of Someone"];
		const people = Array.from({ length: 24 }, (_, i) => ({
			email: `person${i}@example.com`,
			name: names[i % names.length],
		}));
		const message = compose({
			from: { email: "sender@example.com", name: "Sender Name With Several Words In It" },
			to: people,
			cc: people.slice(0, 10),
			replyTo: people.slice(0, 3),
			subject: `${"Quarterly numbers — 季度数字 — الأرقام ".repeat(8)}`,
			text: "Hi.",
			html: '<img src="cid:a">',
			attachments: [
				{ filename: `${"季度财务报告".repeat(20)}.pdf`, type: "application/pdf", content: pseudoBytes(10) },
				{ filename: `${"report ".repeat(40)}.pdf`, type: "application/pdf", content: pseudoBytes(10) },
				{
					filename: "a.docx",
					type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
					content: pseudoBytes(10),
				},
				{ filename: "a.png", type: "image/png", disposition: "inline", contentId: "a", content: pseudoBytes(10) },
			],
			headers: { "X-Campaign": "Herbst 2026 — Größen für alle ".repeat(6) },
		});
		const source = latin1((await readBody(message)).bytes);
		// Header blocks: the message's, and each part's after its boundary line.
		const headerBlocks = [...source.matchAll(/(?<=^|\n--=_\w+\r\n)((?:[^\r\n]+\r\n)+)\r\n/g)].map((m) => m[1]);
		expect(headerBlocks.length).toBe(9);
		for (const block of headerBlocks) {
			for (const line of block.split("\r\n"))
				expect(new TextEncoder().encode(line).length, line).toBeLessThanOrEqual(78);
		}
	});
});
