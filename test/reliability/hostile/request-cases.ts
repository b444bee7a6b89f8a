/**
 * Hostile requests rather than hostile fields: bodies that are not JSON or
 * not an object, JSON nested far too deep, bodies over the limit (with and
 * without Content-Length), the wrong media type, unknown or mistyped fields,
 * duplicate keys, and batch envelopes that are not what they should be.
 */
import { b64, baseMessage, deliver, type HostileCase, inGroup, type Message, reject, withPatch } from "./types";

const deep = (depth: number, leaf = "x") => `${"[".repeat(depth)}"${leaf}"${"]".repeat(depth)}`;
const deepObject = (depth: number) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
const send = (body: string, contentType?: string): NonNullable<HostileCase["raw"]> => ({
	path: "/v1/send",
	body,
	...(contentType ? { contentType } : {}),
});
const batch = (body: string): NonNullable<HostileCase["raw"]> => ({ path: "/v1/batch", body });
const json = (value: unknown) => JSON.stringify(value);
/** The base message as JSON with `field` replaced by raw JSON text. */
const withRawField = (field: string, rawJson: string) => {
	const { [field]: _, ...rest } = baseMessage();
	return `${json(rest).slice(0, -1)},${JSON.stringify(field)}:${rawJson}}`;
};

/** Settings with the smallest MAX_MESSAGE_BYTES, so "over the limit" stays cheap. */
const small = { MAX_MESSAGE_BYTES: "1024" };
const overLimitBody = () => json(withPatch({ text: "x".repeat(70_000) }));
const streamOf = (text: string) => () =>
	new ReadableStream<Uint8Array>({
		start(controller) {
			const bytes = new TextEncoder().encode(text);
			for (let i = 0; i < bytes.length; i += 8192) controller.enqueue(bytes.slice(i, i + 8192));
			controller.close();
		},
	});

const notJson: HostileCase[] = inGroup("bodies that are not a JSON object", [
	{ name: "an empty body", raw: send(""), expect: reject("") },
	{ name: "truncated JSON", raw: send('{"from":'), expect: reject("") },
	{ name: "JSON with a trailing comma", raw: send('{"subject":"x",}'), expect: reject("") },
	{ name: "a JSON array", raw: send("[]"), expect: reject("") },
	{ name: "an array holding a message", raw: send(json([baseMessage()])), expect: reject("") },
	{ name: "a JSON string", raw: send('"hello"'), expect: reject("") },
	{ name: "a JSON number", raw: send("42"), expect: reject("") },
	{ name: "JSON null", raw: send("null"), expect: reject("") },
	{ name: "JSON true", raw: send("true"), expect: reject("") },
	{
		name: "text/plain instead of JSON",
		raw: send(json(baseMessage()), "text/plain"),
		expect: reject(undefined, 415, "unsupported_media_type"),
	},
]);

const tooBig: HostileCase[] = inGroup("JSON nested too deep, bodies and messages over the limit", [
	{ name: "arrays nested 100000 deep in to", raw: send(withRawField("to", deep(100_000))), expect: reject("to") },
	{
		name: "objects nested 100000 deep in headers",
		raw: send(withRawField("headers", deepObject(100_000))),
		expect: reject("headers"),
	},
	{
		name: "arrays nested 100000 deep in an unknown field",
		raw: send(withRawField("extra", deep(100_000))),
		expect: reject("extra"),
	},
	{
		name: "a body over the limit, with Content-Length",
		raw: send(overLimitBody()),
		overrides: small,
		expect: reject(undefined, 413, "payload_too_large"),
	},
	{
		name: "a body over the limit, streamed without Content-Length",
		raw: { path: "/v1/send", body: streamOf(overLimitBody()) },
		overrides: small,
		expect: reject(undefined, 413, "payload_too_large"),
	},
	{
		name: "a message over MAX_MESSAGE_BYTES once encoded",
		message: withPatch({ attachments: [{ filename: "big.bin", content: b64(new Uint8Array(3000)) }] }),
		overrides: small,
		expect: reject(undefined, 413, "payload_too_large"),
	},
]);

const mistyped = (field: string, value: unknown, path = field): Omit<HostileCase, "group"> => ({
	name: `${field} as ${json(value).slice(0, 20)}`,
	message: withPatch({ [field]: value } as Message),
	expect: reject(path),
});
const shapes: HostileCase[] = inGroup("missing, unknown and mistyped fields", [
	{ name: "an unknown field", message: withPatch({ extra: 1 }), expect: reject("extra") },
	{
		name: "__proto__ as a field",
		raw: send(`${json(baseMessage()).slice(0, -1)},"__proto__":{"bcc":"victim@example.com"}}`),
		expect: reject("__proto__"),
	},
	{ name: "no from", message: withPatch({ from: undefined }), expect: reject("from") },
	{ name: "no to", message: withPatch({ to: undefined }), expect: reject("to") },
	{ name: "no subject", message: withPatch({ subject: undefined }), expect: reject("subject") },
	{ name: "neither text nor html", message: withPatch({ text: undefined }), expect: reject("text") },
	mistyped("to", 42),
	mistyped("from", ["sender@example.com", "other@example.com"]),
	mistyped("subject", { text: "hi" }),
	mistyped("text", 5),
	mistyped("html", ["<p>"]),
	mistyped("attachments", "file.png"),
	mistyped("headers", ["X-A: 1"]),
	{
		name: "a header value that is a number",
		message: withPatch({ headers: { "X-A": 5 } }),
		expect: reject('headers["X-A"]'),
	},
	mistyped("labelId", -1),
	mistyped("labelId", 1.5),
	mistyped("labelId", "abc"),
	mistyped("labelId", "1e3"),
	mistyped("labelId", 2 ** 60),
	{
		name: "a duplicate key whose last value carries CRLF",
		raw: send(`${json(baseMessage()).slice(0, -1)},"subject":"fine\\r\\nBcc: victim@example.com"}`),
		expect: reject("subject"),
	},
	{ name: "a label id as digits", message: withPatch({ labelId: "0042" }), expect: deliver() },
]);

const notUnicode: HostileCase[] = inGroup("text that is not Unicode (lone surrogates)", [
	// A lone surrogate is valid JSON but no text: encoding it would silently replace it with U+FFFD.
	{
		name: "a lone surrogate in the subject",
		message: withPatch({ subject: "broken \ud800 text" }),
		expect: reject("subject"),
	},
	{ name: "a lone surrogate in the text", message: withPatch({ text: "broken \udc00 text" }), expect: reject("text") },
	{
		name: "a lone surrogate in from.name",
		message: withPatch({ from: { email: "sender@example.com", name: "Bro\ud83dken" } }),
		expect: reject("from.name"),
	},
	{
		name: "a lone surrogate in a header value",
		message: withPatch({ headers: { "X-Campaign": "n\ud800v" } }),
		expect: reject('headers["X-Campaign"]'),
	},
	{
		name: "a lone surrogate in a filename",
		message: withPatch({ attachments: [{ filename: "a\udfff.png", content: "YQ==" }] }),
		expect: reject("attachments[0].filename"),
	},
]);

const batches: HostileCase[] = inGroup("batch envelopes", [
	{ name: "a batch that is an array", raw: batch(json([baseMessage()])), expect: reject("") },
	{ name: "a batch without messages", raw: batch("{}"), expect: reject("messages") },
	{
		name: "a batch whose messages is not a list",
		raw: batch(json({ messages: baseMessage() })),
		expect: reject("messages"),
	},
	{ name: "an empty batch", raw: batch(json({ messages: [] })), expect: reject("messages") },
	{
		name: "a batch of 101",
		raw: batch(json({ messages: Array.from({ length: 101 }, baseMessage) })),
		expect: reject("messages"),
	},
	{
		name: "a batch with an unknown field",
		raw: batch(json({ messages: [baseMessage()], extra: true })),
		expect: reject("extra"),
	},
]);

export const requestCases: HostileCase[] = [...notJson, ...tooBig, ...shapes, ...notUnicode, ...batches];
