/** MIME parameters: quoted strings, RFC 2231 §3 continuations and §4 extended values, from the RFC's own examples. */
import { describe, expect, it } from "vitest";
import { encodeParameter, extendedParameter } from "../../src/mime/rfc2231.ts";

/** Joins `name*0…name*n` sections back into the value (a reference RFC 2231 decoder). */
function join(name: string, pieces: string[]): string {
	const bytes: number[] = [];
	pieces.forEach((piece, i) => {
		const match = new RegExp(`^${name}(?:\\*(\\d+))?(\\*)?=(.*)$`).exec(piece);
		if (!match) throw new Error(`not a ${name} parameter: ${piece}`);
		const [, index, extended, raw] = match;
		if (pieces.length > 1) expect(Number(index), piece).toBe(i);
		let value = raw;
		if (extended) {
			if (i === 0) {
				expect(value.startsWith("utf-8''"), piece).toBe(true);
				value = value.slice(7);
			}
			expect(value, "extended values are attribute-chars and %XX").toMatch(
				/^(?:[A-Za-z0-9!#$&+\-.^_`{|}~]|%[0-9A-F]{2})*$/,
			);
			value.replace(/%([0-9A-F]{2})|./g, (all, hex) => {
				bytes.push(hex ? Number.parseInt(hex, 16) : all.charCodeAt(0));
				return "";
			});
		} else {
			expect(value).toMatch(/^"(?:[^"\\]|\\.)*"$/);
			for (const c of value.slice(1, -1).replace(/\\(.)/g, "$1")) bytes.push(c.charCodeAt(0));
		}
	});
	return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(bytes));
}

describe("MIME parameters", () => {
	it("short plain ASCII: one quoted string, quotes and backslashes escaped", () => {
		expect(encodeParameter("filename", "report.pdf")).toEqual(['filename="report.pdf"']);
		expect(encodeParameter("filename", 'a "b" \\c;d.pdf')).toEqual(['filename="a \\"b\\" \\\\c;d.pdf"']);
	});

	it("RFC 2231 §3: a long value as continuations URL*0, URL*1…", () => {
		const url = "ftp://cs.utk.edu/pub/moore/bulk-mailer/bulk-mailer.tar";
		const pieces = encodeParameter("URL", url, 40);
		expect(pieces.length).toBeGreaterThan(1);
		expect(pieces[0]).toMatch(/^URL\*0="ftp:\/\/cs\.utk/);
		for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(40);
		expect(join("URL", pieces)).toBe(url);
	});

	it("RFC 2231 §4: title*=…'This%20is%20%2A%2A%2Afun%2A%2A%2A", () => {
		expect(extendedParameter("title", "This is ***fun***")).toEqual([
			"title*=utf-8''This%20is%20%2A%2A%2Afun%2A%2A%2A",
		]);
	});

	it("RFC 2231 §4.1: extended continuations title*0*=…, title*1*=…", () => {
		const value = "This is even more ***fun*** isn't it!";
		const pieces = extendedParameter("title", value, 40);
		expect(pieces[0]).toMatch(/^title\*0\*=utf-8''This%20is%20even/);
		expect(pieces[1]).toMatch(/^title\*1\*=/);
		expect(join("title", pieces)).toBe(value);
	});

	it("non-ASCII names are extended values, split between whole characters, each piece ≤ 76", () => {
		for (const name of [
			"报告.pdf",
			`${"季度财务报告".repeat(30)}.pdf`,
			`${"الفاتورة المرفقة ".repeat(15)}.pdf`,
			`${"🎉👩‍👩‍👧‍👦".repeat(20)}.png`,
		]) {
			const pieces = encodeParameter("filename", name);
			for (const piece of pieces) expect(piece.length, piece).toBeLessThanOrEqual(76);
			expect(join("filename", pieces)).toBe(name);
			// Each section decodes alone: none ends inside a UTF-8 sequence.
			if (pieces.length > 1)
				for (const piece of pieces.slice(1))
					join("filename", [piece.replace(/^filename\*\d+\*=/, "filename*=utf-8''")]);
		}
	});

	it("a 300-character ASCII file name is §3 continuations, each piece ≤ 76", () => {
		const name = `${"quarterly-report ".repeat(18).slice(0, 296)}.pdf`;
		const pieces = encodeParameter("filename", name);
		expect(pieces.length).toBeGreaterThan(3);
		for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(76);
		expect(join("filename", pieces)).toBe(name);
	});
});
