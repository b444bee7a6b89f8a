/**
 * The assertions the hostile-input suites share: a refusal names its field;
 * a delivered message, parsed back with postal-mime, equals its input field
 * by field; and the session that carried it held exactly the transactions
 * asked for — no command smuggled in, nothing Haraka would have refused.
 */
import PostalMime, { type Email } from "postal-mime";
import { expect } from "vitest";
import { messageBytes, type RecordedConnection, type RecordedMessage } from "../../helpers/relay";
import { type ProblemBody, problemOf } from "../support/api";
import type { Message, Rejection } from "./types";

/** Whether `path` names `field` or something inside it. */
const within = (path: string, field: string) =>
	path === field || (field !== "" && (path.startsWith(`${field}.`) || path.startsWith(`${field}[`)));

/**
 * What an answer says about the expected refusal, in a form that equals
 * `expected` exactly when the answer is right (so a table of them diffs well):
 * `path` is the expected path when some error names it, else every path given.
 */
export function refusalSummary(problem: ProblemBody, status: number, expected: Rejection, prefix = ""): Rejection {
	const summary: Rejection = { status, code: problem.code };
	if (problem.status !== status) summary.code = `${problem.code} (document says ${problem.status})`;
	if (expected.path === undefined) return summary;
	const field = expected.path;
	const paths = (problem.errors ?? []).map((e) => e.path);
	const named = paths.some((path) => within(path, field) || (prefix !== "" && within(path, `${prefix}${field}`)));
	summary.path = named ? field : JSON.stringify(paths);
	return summary;
}

/** Checks a problem document against the expected refusal; `prefix` is where a batch item sits. */
export function expectRefusal(problem: ProblemBody, status: number, expected: Rejection, prefix = ""): void {
	expect(refusalSummary(problem, status, expected, prefix)).toEqual(expected);
}

export async function expectRefused(response: Response, expected: Rejection): Promise<void> {
	expectRefusal(await problemOf(response), response.status, expected);
}

interface Box {
	address: string;
	name: string;
}

function mailboxOf(value: unknown): Box {
	if (typeof value === "string") {
		const m = /^(.*?)\s*<([^<>]*)>$/.exec(value.trim());
		return m ? { address: m[2], name: m[1] } : { address: value.trim(), name: "" };
	}
	const { email, name } = value as { email: string; name?: string };
	return { address: email, name: name ?? "" };
}

const listOf = (value: unknown): Box[] =>
	value === undefined ? [] : (Array.isArray(value) ? value : [value]).map(mailboxOf);

/** A header mailbox as postal-mime reads it: a quoted local part (`"john doe"@x`) comes back unquoted. */
const asParsed = ({ address, name }: Box): Box => ({
	address: address.replace(/^"((?:[^"\\]|\\.)*)"@/, (_, local: string) => `${local.replace(/\\(.)/g, "$1")}@`),
	name,
});

const boxes = (parsed: Email["to"]): Box[] => (parsed ?? []).map((a) => ({ address: a.address ?? "", name: a.name }));

/** Line ends of every kind as LF, trailing ones dropped: how text survives MIME's CRLF canon. */
const lines = (text: string) => text.replace(/\r\n|\r/g, "\n").replace(/\n+$/, "");

const fromBase64 = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));

/** The parsed message equals the input it was made from. */
export async function expectDeliveredAsInput(recorded: RecordedMessage, input: Message): Promise<Email> {
	const email = await PostalMime.parse(messageBytes(recorded));
	expect(email.subject).toBe(input.subject);
	expect(email.from && boxes([email.from])).toEqual([asParsed(mailboxOf(input.from))]);
	expect(boxes(email.to)).toEqual(listOf(input.to).map(asParsed));
	expect(boxes(email.cc)).toEqual(listOf(input.cc).map(asParsed));
	expect(boxes(email.replyTo)).toEqual(listOf(input.replyTo).map(asParsed));
	expect(email.headers.filter((h) => h.key === "bcc")).toEqual([]);
	if (input.text !== undefined) expect(lines(email.text ?? "")).toBe(lines(input.text as string));
	if (input.html !== undefined) expect(lines(email.html ?? "")).toBe(lines(input.html as string));
	for (const [name, value] of Object.entries((input.headers ?? {}) as Record<string, string>)) {
		expect(email.headers.filter((h) => h.key === name.toLowerCase()).map((h) => h.value)).toEqual([value]);
	}
	const attachments = (input.attachments ?? []) as { filename: string; contentId?: string; content: string }[];
	expect(email.attachments.map((a) => a.filename)).toEqual(attachments.map((a) => a.filename));
	for (const [i, a] of attachments.entries()) {
		const got = new Uint8Array(email.attachments[i].content as ArrayBuffer);
		if (email.attachments[i].mimeType.startsWith("message/")) {
			// Sent as it is (7bit/8bit), so postal-mime reads it like text: LF line ends, the boundary's CRLF counted.
			const text = (bytes: Uint8Array) => lines(new TextDecoder().decode(bytes));
			expect(text(got)).toBe(text(fromBase64(a.content)));
		} else expect(got).toEqual(fromBase64(a.content));
		if (a.contentId) expect(email.attachments[i].contentId).toBe(`<${a.contentId}>`);
	}
	const envelope = [...new Set([...listOf(input.to), ...listOf(input.cc), ...listOf(input.bcc)].map((b) => b.address))];
	expect(recorded.rcptTo).toEqual(envelope);
	expect(recorded.mailFrom).toBe(mailboxOf(input.from).address);
	return email;
}

const ALLOWED = /^(EHLO|STARTTLS|AUTH|<auth response>|MAIL FROM:|RCPT TO:|DATA$|RSET$|QUIT$)/;

/** The session held `transactions` messages and nothing else: no extra command, no refusal. */
export function expectCleanSession(connection: RecordedConnection | undefined, transactions: number): void {
	expect(connection).toBeDefined();
	const commands = (connection as RecordedConnection).commands;
	expect(
		commands.filter((c) => !ALLOWED.test(c)),
		"unexpected commands",
	).toEqual([]);
	expect(commands.filter((c) => /^MAIL FROM:/.test(c))).toHaveLength(transactions);
	expect(commands.filter((c) => c === "DATA")).toHaveLength(transactions);
	const refusals = (connection as RecordedConnection).replies.filter((r) => /^(4|5)\d\d/.test(r));
	expect(refusals, "the relay refused something").toEqual([]);
}
