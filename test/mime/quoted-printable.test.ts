/** Quoted-printable and the 7bit choice, against the rules of RFC 2045 §6.7. */
import { describe, expect, it } from "vitest";
import { encodeText, quotedPrintable } from "../../src/mime/quoted-printable.ts";

const qp = (text: string): string => new TextDecoder().decode(quotedPrintable(new TextEncoder().encode(text)));

/** A strict RFC 2045 decoder: soft breaks removed, =XX decoded, anything else malformed. */
function decode(encoded: string): string {
	const bytes: number[] = [];
	for (const line of encoded.split("\r\n").map((l, i, all) => (i < all.length - 1 ? `${l}\r\n` : l))) {
		const soft = line.endsWith("=\r\n") || (line.endsWith("=") && !line.endsWith("\r\n"));
		const body = soft ? line.slice(0, line.lastIndexOf("=")) : line;
		for (let i = 0; i < body.length; i++) {
			if (body[i] === "=") {
				if (!/^[0-9A-F]{2}$/.test(body.slice(i + 1, i + 3))) throw new Error(`bad escape in ${JSON.stringify(line)}`);
				bytes.push(Number.parseInt(body.slice(i + 1, i + 3), 16));
				i += 2;
			} else bytes.push(body.charCodeAt(i));
		}
	}
	return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(bytes));
}

/** Every encoded line: at most 76 characters, only literal characters and whole =XX escapes. */
function expectWellFormed(encoded: string): void {
	for (const line of encoded.split("\r\n")) {
		expect(line.length, line).toBeLessThanOrEqual(76);
		expect(line, "rule 2: only ! to ~, space and tab, = only in escapes or a final soft break").toMatch(
			/^(?:[\t !-<>-~]|=[0-9A-F]{2})*=?$/,
		);
		expect(line, "rule 3: no white space at the end of a line").not.toMatch(/[ \t]$/);
		expect(line.startsWith("."), "no line starts with a dot").toBe(false);
	}
}

describe("quoted-printable (RFC 2045 §6.7)", () => {
	it("rule 1: = and every octet outside printable ASCII become =XX, uppercase hex", () => {
		expect(qp("a=b")).toBe("a=3Db=");
		expect(qp("é")).toBe("=C3=A9=");
		expect(qp("\u0000\u0007\u007f")).toBe("=00=07=7F=");
	});

	it("rule 2: ! through ~ (but =) stay literal", () => {
		const printable = Array.from({ length: 94 }, (_, i) => String.fromCharCode(33 + i))
			.filter((c) => c !== "=")
			.join("");
		const encoded = qp(printable);
		expect(encoded.replace(/=\r\n/g, "").slice(0, -1)).toBe(printable);
		expectWellFormed(encoded);
	});

	it("rule 3: space and tab are literal inside a line, encoded at its end", () => {
		expect(qp("a b\tc")).toBe("a b\tc=");
		expect(qp("trailing \nand tab\t\r\nend")).toBe("trailing=20\r\nand tab=09\r\nend=");
		// At the very end the closing soft break follows them, so they may stay.
		expect(qp("end ")).toBe("end =");
		// Only the blank right before the break is at the end of the line.
		expect(qp("a \t\r\nb")).toBe("a =09\r\nb=");
	});

	it("rule 4: CRLF, bare LF and bare CR all become CRLF line breaks", () => {
		expect(qp("a\r\nb\nc\rd\n\ne")).toBe("a\r\nb\r\nc\r\nd\r\n\r\ne=");
	});

	it("rule 5: lines of at most 76 characters, soft breaks never inside an escape", () => {
		const long = `${"x".repeat(200)}\n${"é".repeat(60)}\n${"ab= ".repeat(40)}`;
		const encoded = qp(long);
		expectWellFormed(encoded);
		expect(encoded.split("\r\n").length).toBeGreaterThan(8);
		expect(decode(encoded)).toBe(long.replace(/\n/g, "\r\n"));
	});

	it("rule 5: an escape goes on the line only if all three characters fit before the soft break", () => {
		expect(qp(`${"x".repeat(72)}=`)).toBe(`${"x".repeat(72)}=3D=`);
		expect(qp(`${"x".repeat(73)}=`)).toBe(`${"x".repeat(73)}=\r\n=3D=`);
	});

	it("input that is all escapes, the longest output per input byte, comes out whole", () => {
		// 25 escapes fill a line: any byte the encoder failed to make room for would be missing here.
		const encoded = qp("=".repeat(1000));
		expect(encoded).toBe(`${Array.from({ length: 40 }, () => "=3D".repeat(25)).join("=\r\n")}=`);
		// Bodies of a few KB and of a few hundred KB take different buffers.
		for (const size of [5000, 150_000]) expect(decode(qp("\u00ff".repeat(size)))).toBe("\u00ff".repeat(size));
	});

	it("each result is its own: encoding another body leaves an earlier result as it was", () => {
		const first = quotedPrintable(new TextEncoder().encode("first body é"));
		const copy = first.slice();
		quotedPrintable(new TextEncoder().encode("second, longer body ü ".repeat(50)));
		expect(first).toEqual(copy);
		expect(decode(new TextDecoder().decode(first))).toBe("first body é");
	});

	it("RFC 2045's example sentence fits one line and round-trips; the RFC's own soft-broken form decodes the same", () => {
		const sentence = "Now's the time for all folk to come to the aid of their country.";
		expect(qp(sentence)).toBe(`${sentence}=`);
		expect(decode("Now's the time =\r\nfor all folk to come=\r\n to the aid of their country.")).toBe(sentence);
	});

	it("ends with a soft break, so the decoded text ends exactly where the input did", () => {
		expect(decode(qp("no newline"))).toBe("no newline");
		expect(decode(qp("newline\n"))).toBe("newline\r\n");
		expect(qp("")).toBe("=");
	});

	it("a dot that starts a line is encoded, also after a soft break", () => {
		expect(qp("a\n.\nb")).toBe("a\r\n=2E\r\nb=");
		const encoded = qp(`${"x".repeat(75)}.${"y".repeat(10)}`);
		expect(encoded).toBe(`${"x".repeat(75)}=\r\n=2E${"y".repeat(10)}=`);
		expectWellFormed(encoded);
		// In the line's last free column the dot still fits, so the next line starts after it.
		expect(qp(`${"x".repeat(74)}.y`)).toBe(`${"x".repeat(74)}.=\r\ny=`);
	});

	it("mixed scripts and emoji round-trip through a strict decoder", () => {
		const text = "中文 العربية 🎉👩‍👩‍👧 \t\n".repeat(20);
		expectWellFormed(qp(text));
		expect(decode(qp(text))).toBe(text.replace(/\n/g, "\r\n"));
	});
});

describe("choosing 7bit or quoted-printable", () => {
	const encoding = (text: string) => encodeText(text).encoding;

	it("short plain ASCII lines ending in a line break go as 7bit, line breaks made CRLF", () => {
		const encoded = encodeText("Hello\nworld\ttab\n");
		expect(encoded.encoding).toBe("7bit");
		expect(new TextDecoder().decode(encoded.bytes)).toBe("Hello\r\nworld\ttab\r\n");
		expect(encoding(`${"x".repeat(76)}\n`)).toBe("7bit");
	});

	it("anything else goes as quoted-printable", () => {
		expect(encoding("no final line break")).toBe("quoted-printable");
		expect(encoding("héllo\n")).toBe("quoted-printable");
		expect(encoding("trailing space \nx\n")).toBe("quoted-printable");
		expect(encoding(`${"x".repeat(77)}\n`)).toBe("quoted-printable");
		expect(encoding("control \u0001\n")).toBe("quoted-printable");
		expect(encoding("a\n.\n")).toBe("quoted-printable");
		expect(encoding("")).toBe("quoted-printable");
	});
});
