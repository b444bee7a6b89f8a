/**
 * Subjects, display names, bodies and file names in several scripts, short and
 * 300 characters long, composed and read back identical by both parsers.
 */
import { describe, it } from "vitest";
import type { MessageInput } from "../../src/mime/index.ts";
import { expectRoundTrip, pseudoBytes } from "./helpers.ts";

/** `text` repeated (with a space between) to exactly `n` characters (code points). */
function long(text: string, n: number): string {
	const chars = [...`${text} `.repeat(Math.ceil(n / [...text].length) + 1)];
	return chars.slice(0, n).join("").trimEnd().padEnd(n, "x");
}

const languages = {
	ascii: { word: 'Quarterly report, final (v2) "approved"', name: 'Amy "A." O\'Brien, Esq.' },
	chinese: { word: "您的订单已发货，请查收附件中的发票", name: "张伟（客服部）" },
	arabic: { word: "تم شحن طلبك، يرجى مراجعة الفاتورة المرفقة", name: "محمد العلي" },
	emoji: { word: "🎉 Party time 👩‍👩‍👧‍👦 🇯🇵 ✓", name: "Emoji 😀 Sender" },
};

function message(word: string, name: string, subject: string, filename: string): MessageInput {
	return {
		from: { email: "sender@example.com", name },
		to: [{ email: "rcpt@example.net", name: `${name} 2` }],
		cc: [{ email: "cc@example.org", name }],
		replyTo: [{ email: "reply@example.com", name }],
		bcc: [{ email: "secret-bcc@example.com", name }],
		subject,
		text: `${word}\n${word} ${word}\n`,
		html: `<p>${word}</p><img src="cid:pic">`,
		attachments: [
			{ filename, type: "application/pdf", content: pseudoBytes(500) },
			{
				filename: `${filename}.png`,
				type: "image/png",
				disposition: "inline",
				contentId: "pic",
				content: pseudoBytes(300, 3),
			},
		],
		headers: { "X-Topic": word },
	};
}

describe("languages", () => {
	for (const [language, { word, name }] of Object.entries(languages)) {
		it(`${language}: subject, names, bodies and file names come back identical`, async () => {
			await expectRoundTrip(message(word, name, word, `${word}.pdf`));
		});

		it(`${language}: 300-character subject and file names`, async () => {
			await expectRoundTrip(message(word, name, long(word, 300), `${long(word, 300)}.pdf`));
		});
	}
});
