/**
 * Every shape a message can take, composed and read back by two independent
 * parsers (postal-mime in workerd, mailparser in Node): what went in comes out.
 */
import { describe, expect, it } from "vitest";
import type { AttachmentInput, MessageInput } from "../../src/mime/index.ts";
import { expectRoundTrip, latin1, pseudoBytes } from "./helpers.ts";

const base = {
	from: { email: "support@example.com", name: "Support" },
	to: [{ email: "ben@example.net" }, { email: "amy@example.org", name: "Amy" }],
	subject: "Your receipt",
} satisfies Partial<MessageInput>;

const logo: AttachmentInput = {
	filename: "logo.png",
	type: "image/png",
	disposition: "inline",
	contentId: "logo",
	content: pseudoBytes(3000, 1),
};
const receipt: AttachmentInput = { filename: "receipt.pdf", type: "application/pdf", content: pseudoBytes(1000, 2) };

/** The Content-Type values of the message, in order, parameters dropped. */
function contentTypes(raw: Uint8Array): string[] {
	return [...latin1(raw).matchAll(/^Content-Type: ([^;\r\n]+)/gim)].map((m) => m[1]);
}

describe("structure", () => {
	it("text alone is a single text/plain part", async () => {
		const { raw } = await expectRoundTrip({ ...base, text: "Thanks for your order.\nTotal: 12 EUR" });
		expect(contentTypes(raw)).toEqual(["text/plain"]);
	});

	it("html alone is a single text/html part", async () => {
		const { raw } = await expectRoundTrip({ ...base, html: "<p>Thanks for your order.</p>" });
		expect(contentTypes(raw)).toEqual(["text/html"]);
	});

	it("text and html are multipart/alternative, text first", async () => {
		const { raw } = await expectRoundTrip({ ...base, text: "Thanks.", html: "<p>Thanks.</p>" });
		expect(contentTypes(raw)).toEqual(["multipart/alternative", "text/plain", "text/html"]);
	});

	it("html with an inline image is multipart/related (type=text/html) holding the html and the image", async () => {
		const { raw, message } = await expectRoundTrip({
			...base,
			html: '<p><img src="cid:logo"></p>',
			attachments: [logo],
		});
		expect(contentTypes(raw)).toEqual(["multipart/related", "text/html", "image/png"]);
		expect(latin1(raw)).toMatch(/Content-Type: multipart\/related; type="text\/html";\r\n boundary="=_[0-9a-f]+"/);
		expect(latin1(raw)).toContain('Content-ID: <logo>\r\nContent-Disposition: inline; filename="logo.png"\r\n');
		expect(message.warnings).toEqual([]);
	});

	it("text, html, an inline image and an attachment nest mixed > alternative > related", async () => {
		const { raw } = await expectRoundTrip({
			...base,
			text: "Your logo is attached.",
			html: '<p>Logo: <img src="cid:logo"></p>',
			attachments: [receipt, logo],
		});
		expect(contentTypes(raw)).toEqual([
			"multipart/mixed",
			"multipart/alternative",
			"text/plain",
			"multipart/related",
			"text/html",
			"image/png",
			"application/pdf",
		]);
	});

	it("attachments without inline parts are multipart/mixed around the body", async () => {
		const { raw } = await expectRoundTrip({
			...base,
			text: "Two files.",
			attachments: [
				receipt,
				{ filename: "notes.txt", type: "text/plain", content: new TextEncoder().encode("a\nb\n") },
			],
		});
		expect(contentTypes(raw)).toEqual(["multipart/mixed", "text/plain", "application/pdf", "text/plain"]);
	});

	it("an inline part the html never references is still sent as related, with a warning", async () => {
		const chart = { ...logo, filename: "chart.png", contentId: "chart" };
		const { raw, message } = await expectRoundTrip({
			...base,
			html: '<p><img src="cid:logo"></p>',
			attachments: [logo, chart],
		});
		expect(contentTypes(raw)).toEqual(["multipart/related", "text/html", "image/png", "image/png"]);
		expect(message.warnings).toEqual([
			{ code: "inline_unreferenced", path: "attachments[1]", message: expect.stringContaining("cid:chart") },
		]);
	});

	it("html naming a cid: no part has is sent as written, with a warning", async () => {
		const { message } = await expectRoundTrip({
			...base,
			html: '<p><img src="cid:logo"><img src="cid:missing%40here"></p>',
			attachments: [logo],
		});
		expect(message.warnings).toEqual([
			{ code: "cid_unresolved", path: "html", message: expect.stringContaining("cid:missing@here") },
		]);
	});

	it("inline parts without html travel in multipart/mixed, flagged", async () => {
		const { raw, message } = await expectRoundTrip({ ...base, text: "See the logo.", attachments: [logo] });
		expect(contentTypes(raw)).toEqual(["multipart/mixed", "text/plain", "image/png"]);
		expect(message.warnings.map((w) => w.code)).toEqual(["inline_unreferenced"]);
	});

	it("an empty attachment and an attachment whose type is guessed from its name", async () => {
		await expectRoundTrip(
			{
				...base,
				text: "Files.",
				attachments: [
					{ filename: "empty.bin", type: "application/octet-stream", content: new Uint8Array() },
					{ filename: "photo.JPG", content: pseudoBytes(100) },
				],
			},
			{
				attachments: [
					{
						filename: "empty.bin",
						type: "application/octet-stream",
						disposition: "attachment",
						content: new Uint8Array(),
					},
					{ filename: "photo.JPG", type: "image/jpeg", disposition: "attachment", content: pseudoBytes(100) },
				],
			},
		);
	});
});
