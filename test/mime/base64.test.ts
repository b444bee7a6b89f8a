/** Base64 bodies: RFC 4648 §10 vectors, 76-column lines (RFC 2045 §6.8), and slices that join into whole lines. */
import { describe, expect, it } from "vitest";
import { base64, base64Lines, base64LinesLength, LINE_BYTES } from "../../src/mime/base64.ts";
import { pseudoBytes } from "./helpers.ts";

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
const ascii = (s: string) => new TextEncoder().encode(s);

/** Reference: btoa, then a CRLF after every 76 characters. */
function reference(bytes: Uint8Array): string {
	let binary = "";
	for (const b of bytes) binary += String.fromCharCode(b);
	return btoa(binary).replace(/.{76}(?=.)/g, "$&\r\n");
}

describe("base64", () => {
	it("RFC 4648 §10 test vectors", () => {
		const vectors: [string, string][] = [
			["", ""],
			["f", "Zg=="],
			["fo", "Zm8="],
			["foo", "Zm9v"],
			["foob", "Zm9vYg=="],
			["fooba", "Zm9vYmE="],
			["foobar", "Zm9vYmFy"],
		];
		for (const [input, output] of vectors) {
			expect(text(base64Lines(ascii(input), true))).toBe(output);
			expect(base64(ascii(input))).toBe(output);
		}
	});

	it("wraps at 76 characters with CRLF, none after the last line", () => {
		expect(text(base64Lines(pseudoBytes(57), true))).toMatch(/^[A-Za-z0-9+/]{76}$/);
		const two = text(base64Lines(pseudoBytes(58), true));
		expect(two).toMatch(/^[A-Za-z0-9+/]{76}\r\n[A-Za-z0-9+/]{2}==$/);
		for (const n of [0, 1, 2, 3, 56, 57, 58, 113, 114, 115, 1000, 5701]) {
			const bytes = pseudoBytes(n, n + 1);
			const encoded = base64Lines(bytes, true);
			expect(text(encoded), `n=${n}`).toBe(reference(bytes));
			expect(encoded.length, `length for n=${n}`).toBe(base64LinesLength(n));
		}
	});

	it("slices of a multiple of 57 bytes encoded one by one join into the whole encoding", () => {
		const bytes = pseudoBytes(LINE_BYTES * 10 + 20);
		const slice = LINE_BYTES * 3;
		let joined = "";
		for (let i = 0; i < bytes.length; i += slice) {
			const end = Math.min(i + slice, bytes.length);
			joined += text(base64Lines(bytes.subarray(i, end), end === bytes.length));
		}
		expect(joined).toBe(reference(bytes));
		// Not last: every line, the final one included, ends in CRLF.
		expect(text(base64Lines(bytes.subarray(0, slice), false))).toMatch(/^(?:[A-Za-z0-9+/]{76}\r\n){3}$/);
	});
});
