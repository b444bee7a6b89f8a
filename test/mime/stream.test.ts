/**
 * The byte stream: announced size, repeatable reads, bounded chunks, random
 * boundaries that avoid the content, and a 15 MB message encoded as it is read.
 */
import { describe, expect, it } from "vitest";
import { composeMessage, type MessageInput } from "../../src/mime/index.ts";
import {
	compose,
	expectRoundTrip,
	FIXED_DATE,
	fromBase64,
	latin1,
	pseudoBytes,
	readBody,
	sameBytes,
	seededRandom,
} from "./helpers.ts";

const MAX_CHUNK = 65536;

const small: MessageInput = {
	from: { email: "a@example.com" },
	to: [{ email: "b@example.com" }],
	subject: "Small",
	text: "Hello\n",
	html: '<p>Hello <img src="cid:i"></p>',
	attachments: [
		{ filename: "i.png", type: "image/png", disposition: "inline", contentId: "i", content: pseudoBytes(200_000) },
		{ filename: "f.bin", type: "application/octet-stream", content: pseudoBytes(1000, 9) },
	],
};

describe("the byte stream", () => {
	it("body() can be read again and again: same bytes, the announced size, chunks of at most 64 KiB", async () => {
		const message = compose(small);
		const one = await readBody(message);
		const two = await readBody(message);
		expect(one.bytes.length).toBe(message.size);
		expect(sameBytes(one.bytes, two.bytes)).toBe(true);
		expect(Math.max(...one.chunks)).toBeLessThanOrEqual(MAX_CHUNK);
		expect(one.chunks.length).toBeGreaterThan(3);
	});

	it("the same random source gives the same bytes; another gives other ids and boundaries", async () => {
		const a = latin1((await readBody(compose(small, 1))).bytes);
		const b = latin1((await readBody(compose(small, 1))).bytes);
		const c = latin1((await readBody(compose(small, 2))).bytes);
		expect(a).toBe(b);
		expect(c).not.toBe(a);
		const boundaries = (s: string) => [...s.matchAll(/boundary="([^"]+)"/g)].map((m) => m[1]);
		expect(boundaries(a)).toHaveLength(3);
		expect(new Set([...boundaries(a), ...boundaries(c)]).size).toBe(6);
		for (const boundary of boundaries(a)) expect(boundary).toMatch(/^=_[0-9a-f]{24}$/);
	});

	it("a boundary that occurs in the content is drawn again", async () => {
		const input: MessageInput = { ...small, attachments: [], html: undefined, text: "x\n", headers: {} };
		input.attachments = [{ filename: "a.txt", type: "text/plain", content: new Uint8Array([65]) }];
		const first = /boundary="([^"]+)"/.exec(latin1((await readBody(compose(input))).bytes))?.[1] ?? "";
		expect(first).not.toBe("");
		// The same seed draws the same boundary first: now it collides with the 7bit text.
		const text = `Quoting a boundary:\n--${first}\n--${first}--\n`;
		const { raw } = await expectRoundTrip({ ...input, text });
		const second = /boundary="([^"]+)"/.exec(latin1(raw))?.[1];
		expect(second).toMatch(/^=_[0-9a-f]{24}$/);
		expect(second).not.toBe(first);
		expect(latin1(raw)).toContain("Content-Transfer-Encoding: 7bit");
	});

	it("a 15 MB message (HTML and three 5 MB inline images) is encoded as it is read, in bounded chunks", async () => {
		const images = [1, 2, 3].map((n) => pseudoBytes(5_000_000, n));
		const message = composeMessage(
			{
				from: { email: "big@example.com" },
				to: [{ email: "r@example.com" }],
				subject: "Big",
				html: `<p>${"Large newsletter. ".repeat(2000)}</p><img src="cid:a"><img src="cid:b"><img src="cid:c">`,
				attachments: images.map((content, i) => ({
					filename: `photo-${i}.jpg`,
					type: "image/jpeg",
					disposition: "inline" as const,
					contentId: "abc"[i],
					content,
				})),
			},
			{ now: FIXED_DATE, random: seededRandom(3) },
		);
		expect(message.size).toBeGreaterThan(20_000_000);

		const reader = message.body().getReader();
		const chunks: Uint8Array[] = [];
		const first = await reader.read();
		if (first.value) chunks.push(first.value);
		// Change the last image after the first chunk was read. Had body() encoded
		// the message ahead, the old bytes would come out; read lazily, the new do.
		images[2].fill(0xab, 4_000_000, 4_000_100);
		for (;;) {
			const { done, value } = await reader.read();
			if (done) break;
			chunks.push(value);
		}
		const total = chunks.reduce((n, c) => n + c.length, 0);
		expect(total).toBe(message.size);
		expect(Math.max(...chunks.map((c) => c.length))).toBeLessThanOrEqual(MAX_CHUNK);

		const raw = new Uint8Array(total);
		let offset = 0;
		for (const chunk of chunks) {
			raw.set(chunk, offset);
			offset += chunk.length;
		}
		const source = new TextDecoder().decode(raw);
		const start = source.indexOf("\r\n\r\n", source.indexOf("Content-ID: <c>")) + 4;
		const encoded = source.slice(start, source.indexOf("\r\n--", start));
		expect(sameBytes(fromBase64(encoded.replace(/\r\n/g, "")), images[2])).toBe(true);
	});
});
