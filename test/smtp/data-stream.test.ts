import { describe, expect, it } from "vitest";
import { DotStuffer, dataBlocks, dotStuff } from "../../src/smtp/data-stream";

const enc = new TextEncoder();
const latin1 = (bytes: Uint8Array) => Array.from(bytes, (b) => String.fromCharCode(b)).join("");
const bytesOf = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

/** The rules written the slow, obvious way: the reference the fast encoder must match. */
function reference(body: string): string {
	const crlf = body.replace(/\r\n|\r|\n/g, "\r\n");
	const stuffed = crlf
		.split("\r\n")
		.map((line) => (line.startsWith(".") ? `.${line}` : line))
		.join("\r\n");
	if (stuffed === "") return ".\r\n";
	return stuffed.endsWith("\r\n") ? `${stuffed}.\r\n` : `${stuffed}\r\n.\r\n`;
}

/** Encodes `body` pushed in pieces cut at `cuts`. */
function encode(body: string, cuts: number[]): string {
	const bytes = bytesOf(body);
	const stuffer = new DotStuffer();
	let out = "";
	let from = 0;
	for (const cut of [...cuts, bytes.length]) {
		out += latin1(stuffer.push(bytes.subarray(from, cut)));
		from = cut;
	}
	return out + latin1(stuffer.end());
}

/** The data as a server reads it: lines up to the lone dot, each leading dot removed. */
function unstuff(wire: string): string {
	expect(wire.endsWith("\r\n.\r\n") || wire === ".\r\n").toBe(true);
	const lines = wire.slice(0, -3).split("\r\n");
	lines.pop();
	expect(lines.includes(".")).toBe(false); // nothing ends the data early
	return lines.map((l) => (l.startsWith(".") ? l.slice(1) : l)).join("\r\n") + (lines.length ? "\r\n" : "");
}

const TRICKY = [
	"",
	".",
	"..",
	"\r",
	"\n",
	"\r\n",
	"a",
	"line1\nline2\n",
	".leading\r\n",
	"a\r\n.\r\nb",
	"a\r\n.\r\n",
	"x\r.y\n.z\r\n.",
	"\r\r\n\n\r\n.\r.\n..\r\n...",
	"Subject: hi\r\n\r\n.hidden\r\n..two\rbare cr\nbare lf\r\n.\r\nend",
	"\n.\n",
	"ends with cr\r",
];

describe("data stream", () => {
	it("turns bare CR and LF into CRLF, dot-stuffs, and ends with exactly CRLF.CRLF", () => {
		expect(latin1(dotStuff(bytesOf("a\nb\rc\r\nd")))).toBe("a\r\nb\r\nc\r\nd\r\n.\r\n");
		expect(latin1(dotStuff(bytesOf(".a\r\n..b\r\n.\r\n")))).toBe("..a\r\n...b\r\n..\r\n.\r\n");
		expect(latin1(dotStuff(bytesOf("ends\r\n")))).toBe("ends\r\n.\r\n");
		expect(latin1(dotStuff(bytesOf("")))).toBe(".\r\n");
		for (const body of TRICKY) expect(latin1(dotStuff(bytesOf(body))), JSON.stringify(body)).toBe(reference(body));
	});

	it("gives the same bytes wherever the chunks are cut", () => {
		for (const body of TRICKY) {
			const expected = reference(body);
			for (let i = 0; i <= body.length; i++) {
				expect(encode(body, [i]), `${JSON.stringify(body)} cut at ${i}`).toBe(expected);
				for (let j = i; j <= body.length; j++) expect(encode(body, [i, j])).toBe(expected);
			}
			// One byte per chunk.
			expect(
				encode(
					body,
					Array.from({ length: body.length }, (_, i) => i),
				),
			).toBe(expected);
		}
	});

	it("matches the reference on random bodies cut at random places", () => {
		let seed = 42;
		const random = (n: number) => {
			seed = (seed * 1103515245 + 12345) % 2 ** 31;
			return seed % n;
		};
		const alphabet = ["\r", "\n", ".", "a", "\r\n", "é"];
		for (let round = 0; round < 300; round++) {
			let body = "";
			const length = random(40);
			for (let i = 0; i < length; i++) body += alphabet[random(alphabet.length)];
			const cuts = Array.from({ length: random(6) }, () => random(body.length + 1)).sort((a, b) => a - b);
			const wire = encode(body, cuts);
			expect(wire, JSON.stringify({ body, cuts })).toBe(reference(body));
			expect(unstuff(wire)).toBe(body.replace(/\r\n|\r|\n/g, "\r\n") + (/(\r|\n)$/.test(body) || !body ? "" : "\r\n"));
		}
	});

	it("passes a clean chunk through without copying it", () => {
		const chunk = enc.encode("Subject: x\r\n\r\nno dots at line starts.\r\n");
		expect(new DotStuffer().push(chunk)).toBe(chunk);
	});

	it("gathers small chunks into large writes, the last carrying the terminator", async () => {
		async function* source() {
			for (let i = 0; i < 1000; i++) yield enc.encode(`line ${i}\r\n`);
		}
		const blocks: Uint8Array[] = [];
		for await (const block of dataBlocks(source(), 4096)) blocks.push(block);
		expect(blocks.length).toBeLessThan(5);
		const wire = blocks.map(latin1).join("");
		expect(wire.endsWith("line 999\r\n.\r\n")).toBe(true);
		expect(wire.split("\r\n")).toHaveLength(1002);
	});

	it("takes a ReadableStream and an async iterable alike", async () => {
		const stream = new ReadableStream<Uint8Array>({
			start(c) {
				c.enqueue(enc.encode(".a\n"));
				c.enqueue(enc.encode(".b"));
				c.close();
			},
		});
		const fromStream: string[] = [];
		for await (const block of dataBlocks(stream)) fromStream.push(latin1(block));
		expect(fromStream.join("")).toBe("..a\r\n..b\r\n.\r\n");
	});

	it("encodes a large body in one pass", () => {
		const line = "0123456789".repeat(7);
		const body = enc.encode(`${line}\r\n.${line}\n`.repeat(50_000)); // 7.2 MB, 100k lines
		const out = dotStuff(body);
		expect(out.length).toBe(body.length + 50_000 /* dots */ + 50_000 /* CRs */ + 3);
	});
});
