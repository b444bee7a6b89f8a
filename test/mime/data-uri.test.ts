/** data: images in HTML become inline parts referenced by cid:, and read back as such. */
import { describe, expect, it } from "vitest";
import type { MessageInput } from "../../src/mime/index.ts";
import { compose, expectRoundTrip, latin1, pseudoBytes, readBody } from "./helpers.ts";

const base64 = (bytes: Uint8Array) => btoa(String.fromCharCode(...bytes));
const png = pseudoBytes(2000, 5);
const gif = pseudoBytes(700, 6);

const message = (html: string): MessageInput => ({
	from: { email: "news@example.com" },
	to: [{ email: "reader@example.net" }],
	subject: "Newsletter",
	text: "See the HTML version.",
	html,
});

describe("data: image URIs", () => {
	it("become inline parts with generated Content-IDs, the HTML rewritten to cid:, the same URI once", async () => {
		const html =
			`<p><img src="data:image/png;base64,${base64(png)}"> <img alt='' src='data:image/gif;base64,${base64(gif)}'>` +
			`<div style="background:url(data:image/png;base64,${base64(png)})"></div>` +
			`<img src=data:image/png;base64,${base64(png)}>` +
			" Text about data:image/png;base64,AAAA stays text.</p>";
		const input = message(html);
		// Same seed, same ids: learn them from one composition, check a second one end to end.
		const first = latin1((await readBody(compose(input))).bytes);
		const ids = [...first.matchAll(/^Content-ID: <([^>]+)>/gm)].map((m) => m[1]);
		expect(ids).toHaveLength(2);
		expect(ids[0]).toMatch(/^[0-9a-f]{16}@example\.com$/);
		const rewritten =
			`<p><img src="cid:${ids[0]}"> <img alt='' src='cid:${ids[1]}'>` +
			`<div style="background:url(cid:${ids[0]})"></div>` +
			`<img src=cid:${ids[0]}>` +
			" Text about data:image/png;base64,AAAA stays text.</p>";
		const { message: composed } = await expectRoundTrip(input, {
			html: rewritten,
			attachments: [
				{ filename: "image-1.png", type: "image/png", disposition: "inline", contentId: ids[0], content: png },
				{ filename: "image-2.gif", type: "image/gif", disposition: "inline", contentId: ids[1], content: gif },
			],
		});
		expect(composed.warnings).toEqual([]);
	});

	it("a data: URI whose base64 does not decode is left alone, with a warning", async () => {
		const html = '<img src="data:image/png;base64,a">';
		const { message: composed } = await expectRoundTrip(message(html));
		expect(composed.warnings).toEqual([{ code: "data_uri_invalid", path: "html", message: expect.any(String) }]);
	});
});
