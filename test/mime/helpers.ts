/**
 * What the mime tests share: reading a composed message out, parsing it back
 * with postal-mime (here, in workerd) and with mailparser (in Node, through the
 * control server), and the checks every composed message must pass.
 */
import { env } from "cloudflare:workers";
import PostalMime, { type Email } from "postal-mime";
import { expect } from "vitest";
import { type ComposedMessage, composeMessage, type MessageInput } from "../../src/mime/index.ts";
import type { MailparserJson } from "../fixtures/mailparser-types.ts";

/** Reproducible "random" bytes (xorshift32), so composed bytes are the same on every run. */
export function seededRandom(seed = 1): (n: number) => Uint8Array {
	let state = seed >>> 0 || 1;
	return (n) => {
		const out = new Uint8Array(n);
		for (let i = 0; i < n; i++) {
			state ^= state << 13;
			state ^= state >>> 17;
			state ^= state << 5;
			out[i] = state & 0xff;
		}
		return out;
	};
}

/** Bytes of a given length with a recognisable, non-repeating pattern. */
export function pseudoBytes(length: number, seed = 7): Uint8Array {
	return seededRandom(seed)(length);
}

export const FIXED_DATE = new Date("2026-11-03T09:05:07Z");

export function compose(input: MessageInput, seed = 1): ComposedMessage {
	return composeMessage(input, { now: FIXED_DATE, random: seededRandom(seed) });
}

/** Every byte of one `body()` stream, with the chunks' sizes; checks they add up to the announced size. */
export async function readBody(message: ComposedMessage): Promise<{ bytes: Uint8Array; chunks: number[] }> {
	const parts: Uint8Array[] = [];
	for await (const chunk of message.body()) parts.push(chunk);
	const bytes = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
	let offset = 0;
	for (const part of parts) {
		bytes.set(part, offset);
		offset += part.length;
	}
	expect(bytes.length, "bytes produced equal the size announced").toBe(message.size);
	return { bytes, chunks: parts.map((part) => part.length) };
}

export const latin1 = (bytes: Uint8Array): string => {
	let out = "";
	for (let i = 0; i < bytes.length; i += 8192) out += String.fromCharCode(...bytes.subarray(i, i + 8192));
	return out;
};

export function fromBase64(text: string): Uint8Array {
	const binary = atob(text);
	const bytes = new Uint8Array(binary.length);
	for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
	return bytes;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
	if (a.length !== b.length) return false;
	for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
	return true;
}

/** Lines that break the rules: longer than 998 octets, or ending in anything but CRLF. */
export function badLines(bytes: Uint8Array): string[] {
	const bad: string[] = [];
	let start = 0;
	for (let i = 0; i < bytes.length; i++) {
		if (bytes[i] === 0x0a) {
			if (bytes[i - 1] !== 0x0d) bad.push(`bare LF at ${i}`);
			if (i - 1 - start > 998) bad.push(`line of ${i - 1 - start} octets at ${start}`);
			start = i + 1;
		} else if (bytes[i] === 0x0d && bytes[i + 1] !== 0x0a) bad.push(`bare CR at ${i}`);
	}
	if (start !== bytes.length) bad.push("last line does not end in CRLF");
	return bad;
}

export async function parseWithMailparser(raw: Uint8Array): Promise<MailparserJson> {
	const res = await fetch(`${env.CONTROL_URL}/parse/mailparser`, { method: "POST", body: raw });
	if (!res.ok) throw new Error(`mailparser: ${res.status} ${await res.text()}`);
	return res.json();
}

export const parseWithPostal = (raw: Uint8Array): Promise<Email> => PostalMime.parse(raw);

const lf = (text: string) => text.replace(/\r\n|\r/g, "\n");

export interface ExpectedAttachment {
	filename: string;
	type: string;
	disposition: "attachment" | "inline";
	contentId?: string;
	content: Uint8Array;
}

export interface RoundTrip {
	message: ComposedMessage;
	raw: Uint8Array;
	postal: Email;
	mailparser: MailparserJson;
}

/**
 * Composes `input`, reads it out and checks what every message must satisfy
 * (size as announced, lines, no Bcc), then parses it with both parsers and
 * compares every field with the input. `attachments` are those expected in
 * document order (default: the input's inline parts first when there is HTML).
 */
export async function expectRoundTrip(
	input: MessageInput,
	options: { attachments?: ExpectedAttachment[]; html?: string } = {},
): Promise<RoundTrip> {
	const message = compose(input);
	const { bytes: raw } = await readBody(message);
	expect(raw.length, "size announced before the first byte").toBe(message.size);
	expect(badLines(raw)).toEqual([]);
	const source = latin1(raw);
	expect(source).not.toMatch(/^bcc:/im);
	for (const { email } of input.bcc ?? []) expect(source).not.toContain(email);

	const [postal, mailparser] = await Promise.all([parseWithPostal(raw), parseWithMailparser(raw)]);
	expect(postal.subject).toBe(input.subject);
	expect(mailparser.subject).toBe(input.subject);

	const mailboxes = (list: { email: string; name?: string }[] | undefined) =>
		(list ?? []).map(({ email, name }) => ({ name: name ?? "", address: headerAddress(email) }));
	// mailparser shows IDN domains in Unicode: compare in ASCII form.
	const ascii = (list: { name: string; address: string }[]) =>
		list.map(({ name, address }) => ({ name, address: headerAddress(address) }));
	expect(postal.from).toEqual(mailboxes([input.from])[0]);
	expect(ascii(mailparser.from)).toEqual(mailboxes([input.from]));
	for (const key of ["to", "cc", "replyTo"] as const) {
		expect(postal[key] ?? [], key).toEqual(mailboxes(input[key]));
		expect(ascii(mailparser[key]), key).toEqual(mailboxes(input[key]));
	}

	if (input.text !== undefined) {
		expectText(postal.text, input.text, "postal-mime text");
		expect(mailparser.text, "mailparser text").toBe(lf(input.text));
	}
	const html = options.html ?? input.html;
	if (html !== undefined) {
		expectText(postal.html, html, "postal-mime html");
		expect(mailparser.html, "mailparser html").toBe(lf(html));
	}

	const expected = options.attachments ?? documentOrder(input);
	expect(postal.attachments.length, "postal-mime attachments").toBe(expected.length);
	expect(mailparser.attachments.length, "mailparser attachments").toBe(expected.length);
	expected.forEach((want, i) => {
		const p = postal.attachments[i];
		const m = mailparser.attachments[i];
		expect([p.filename, p.mimeType, p.disposition, p.contentId], `postal-mime attachment ${i}`).toEqual([
			want.filename,
			want.type,
			want.disposition,
			want.contentId === undefined ? undefined : `<${want.contentId}>`,
		]);
		expect([m.filename, m.contentType, m.contentDisposition, m.cid], `mailparser attachment ${i}`).toEqual([
			want.filename,
			want.type,
			want.disposition,
			want.contentId,
		]);
		expect(sameBytes(new Uint8Array(p.content as ArrayBuffer), want.content), `postal-mime bytes ${i}`).toBe(true);
		expect(sameBytes(fromBase64(m.content), want.content), `mailparser bytes ${i}`).toBe(true);
	});
	return { message, raw, postal, mailparser };
}

/**
 * postal-mime counts the CRLF before a boundary (RFC 2046 §5.1.1 gives it to
 * the boundary) as part of a 7bit body; quoted-printable bodies end in a soft
 * break so there is nothing to count. 7bit is only used for text that ends in
 * a line break, so that is the one case where one extra "\n" is postal-mime's.
 */
function expectText(actual: string | undefined, input: string, label: string): void {
	const want = lf(input);
	if (want.endsWith("\n") && actual === `${want}\n`) return;
	expect(actual, label).toBe(want);
}

/** The address as headers carry it: IDN domains in their ASCII form. */
export function headerAddress(email: string): string {
	const at = email.lastIndexOf("@");
	const domain = email.slice(at + 1);
	return /^[\x20-\x7e]*$/.test(domain) ? email : `${email.slice(0, at)}@${new URL(`http://${domain}/`).hostname}`;
}

function documentOrder(input: MessageInput): ExpectedAttachment[] {
	const all = (input.attachments ?? []).map((a) => ({
		filename: a.filename,
		type: a.type ?? "application/octet-stream",
		disposition: a.disposition ?? "attachment",
		contentId: a.contentId,
		content: a.content,
	}));
	if (input.html === undefined) return all;
	return [...all.filter((a) => a.disposition === "inline"), ...all.filter((a) => a.disposition !== "inline")];
}
