/**
 * Fields at and past their limits, and fields the caller may not set:
 * overlong addresses, names, subjects, header lines and filenames; more than
 * 100 recipients; invalid base64; duplicate and missing content ids; headers
 * the composer owns. Each is refused naming the field, or — just inside the
 * limit — delivered exactly as given.
 */
import { b64, deliver, type HostileCase, inGroup, reject, withPatch } from "./types";

const png = b64(Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]));
const words = (n: number) => Array.from({ length: n }, (_, i) => `word${i % 10}`).join(" ");
const many = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}@example.com`);
const attach = (content: string) => ({ attachments: [{ filename: "file.bin", content }] });

const overlong: HostileCase[] = inGroup("overlong addresses, names and lines", [
	{
		name: "a 65-octet local part",
		message: withPatch({ to: [`${"a".repeat(65)}@example.com`] }),
		expect: reject("to[0]"),
	},
	{ name: "a 64-octet local part", message: withPatch({ to: [`${"a".repeat(64)}@example.com`] }), expect: deliver() },
	{
		name: "a 64-octet domain label",
		message: withPatch({ to: [`amy@${"d".repeat(64)}.com`] }),
		expect: reject("to[0]"),
	},
	{
		name: "a 330-octet address",
		message: withPatch({ to: [{ email: `amy@${Array.from({ length: 6 }, () => "d".repeat(50)).join(".")}.com` }] }),
		expect: reject("to[0].email"),
	},
	{
		name: "a 257-character from.name",
		message: withPatch({ from: { email: "sender@example.com", name: "n".repeat(257) } }),
		expect: reject("from.name"),
	},
	{
		name: "a 250-character display name",
		message: withPatch({ from: { email: "sender@example.com", name: words(25).slice(0, 250) } }),
		expect: deliver(),
	},
	{ name: "a 2001-character subject", message: withPatch({ subject: "s".repeat(2001) }), expect: reject("subject") },
	{
		name: "a 1990-character subject, folded",
		message: withPatch({ subject: words(200).slice(0, 1990) }),
		expect: deliver(),
	},
	{
		name: "a 999-character header value",
		message: withPatch({ headers: { "X-Long": "v".repeat(999) } }),
		expect: reject('headers["X-Long"]'),
	},
	{
		name: "a 990-character header value, folded",
		message: withPatch({ headers: { "X-Long": words(99).slice(0, 990) } }),
		expect: deliver(),
	},
	{
		name: "a 77-character header name",
		message: withPatch({ headers: { [`X-${"n".repeat(75)}`]: "v" } }),
		expect: reject("headers"),
	},
	{
		name: "a 256-character filename",
		message: withPatch({ attachments: [{ filename: `${"f".repeat(252)}.png`, content: png }] }),
		expect: reject("attachments[0].filename"),
	},
	{
		name: "a 200-character non-ASCII filename",
		message: withPatch({ attachments: [{ filename: `${"é".repeat(196)}.png`, content: png }] }),
		expect: deliver(),
	},
	{
		name: "a 251-character content id",
		message: withPatch({
			html: "<p>x</p>",
			attachments: [{ filename: "a.png", disposition: "inline", contentId: "c".repeat(251), content: png }],
		}),
		expect: reject("attachments[0].contentId"),
	},
]);

const recipients: HostileCase[] = inGroup("recipients: more than 100, none, duplicates", [
	{ name: "101 addresses in to", message: withPatch({ to: many(101, "to") }), expect: reject("to") },
	{ name: "101 addresses in cc", message: withPatch({ cc: many(101, "cc") }), expect: reject("cc") },
	{ name: "101 addresses in bcc", message: withPatch({ bcc: many(101, "bcc") }), expect: reject("bcc") },
	{
		name: "101 recipients across to, cc and bcc",
		message: withPatch({ to: many(50, "to"), cc: many(30, "cc"), bcc: many(21, "bcc") }),
		expect: reject("to"),
	},
	{
		name: "exactly 100 recipients",
		message: withPatch({ to: many(60, "to"), cc: many(30, "cc"), bcc: many(10, "bcc") }),
		expect: deliver(),
	},
	{ name: "an empty to", message: withPatch({ to: [] }), expect: reject("to") },
	{
		name: "the same address in to and cc",
		message: withPatch({ to: ["amy@example.com"], cc: ["amy@example.com"] }),
		expect: deliver(),
	},
]);

const base64: HostileCase[] = inGroup("attachments: invalid base64", [
	{
		name: "content with characters outside base64",
		message: withPatch(attach("not base64!")),
		expect: reject("attachments[0].content"),
	},
	{
		name: "content of impossible length",
		message: withPatch(attach("QUJDR")),
		expect: reject("attachments[0].content"),
	},
	{ name: "padding in the middle", message: withPatch(attach("YQ==YQ==")), expect: reject("attachments[0].content") },
	{
		name: "padding on a length that is not a multiple of four",
		message: withPatch(attach("YQ=")),
		expect: reject("attachments[0].content"),
	},
	{ name: "three padding characters", message: withPatch(attach("YQ===")), expect: reject("attachments[0].content") },
	{
		name: "a line break inside base64",
		message: withPatch(attach("YWJj\r\nZGVm")),
		expect: reject("attachments[0].content"),
	},
	{
		name: "a data: URI instead of base64",
		message: withPatch(attach(`data:image/png;base64,${png}`)),
		expect: reject("attachments[0].content"),
	},
	{ name: "base64url alphabet", message: withPatch(attach("-_-_")), expect: reject("attachments[0].content") },
	{
		name: "both content and url",
		message: withPatch({ attachments: [{ filename: "a.png", content: png, url: "https://example.com/a.png" }] }),
		expect: reject("attachments[0]"),
	},
	{
		name: "neither content nor url",
		message: withPatch({ attachments: [{ filename: "a.png" }] }),
		expect: reject("attachments[0]"),
	},
	{ name: "unpadded base64", message: withPatch(attach("YWJjZA")), expect: deliver() },
	{
		name: "bytes that spell the end of data and a command",
		message: withPatch(attach(b64("x\r\n.\r\nMAIL FROM:<evil@example.com>\r\n"))),
		expect: deliver(),
	},
]);

const inline = (contentId: string | undefined, html = '<img src="cid:logo">') => ({
	filename: "logo.png",
	disposition: "inline",
	...(contentId === undefined ? {} : { contentId }),
	content: png,
	html,
});
const inlineMessage = (...parts: ReturnType<typeof inline>[]) =>
	withPatch({ html: parts[0].html, attachments: parts.map(({ html: _, ...a }) => a) });

const contentIds: HostileCase[] = inGroup("content ids: duplicate, missing, malformed", [
	{
		name: "a content id used twice",
		message: inlineMessage(inline("logo"), inline("logo")),
		expect: reject("attachments[1].contentId"),
	},
	{
		name: "a content id in angle brackets",
		message: inlineMessage(inline("<logo>")),
		expect: reject("attachments[0].contentId"),
	},
	{
		name: "a content id with a space",
		message: inlineMessage(inline("lo go")),
		expect: reject("attachments[0].contentId"),
	},
	{
		name: "an inline part without a content id",
		message: inlineMessage(inline(undefined)),
		expect: deliver([
			{ code: "inline_unreferenced", path: "attachments[0]" },
			{ code: "cid_unresolved", path: "html" },
		]),
	},
	{
		name: "HTML naming a content id no part has",
		message: inlineMessage(inline("logo", '<img src="cid:elsewhere"><img src="cid:logo">')),
		expect: deliver([{ code: "cid_unresolved", path: "html" }]),
	},
	{ name: "an inline part the HTML shows", message: inlineMessage(inline("logo")), expect: deliver() },
]);

const ownedNames = [
	"Bcc",
	"bcc",
	"BCC",
	"From",
	"To",
	"Cc",
	"Reply-To",
	"Sender",
	"Subject",
	"Date",
	"Message-ID",
	"MIME-Version",
	"Content-Type",
	"content-transfer-encoding",
	"Content-Disposition",
	"Content-ID",
];
const owned: HostileCase[] = inGroup("headers the composer owns, malformed header names", [
	...ownedNames.map((name) => ({
		name: `${name} in headers`,
		message: withPatch({ headers: { [name]: name.toLowerCase() === "bcc" ? "victim@example.com" : "x" } }),
		expect: reject(/^[A-Za-z_$][\w$]*$/.test(name) ? `headers.${name}` : `headers[${JSON.stringify(name)}]`),
	})),
	{ name: "a header name with a space", message: withPatch({ headers: { "X Bad": "v" } }), expect: reject("headers") },
	{ name: "a header name with a colon", message: withPatch({ headers: { "X:Bad": "v" } }), expect: reject("headers") },
	{ name: "an empty header name", message: withPatch({ headers: { "": "v" } }), expect: reject("headers") },
	{ name: "a non-ASCII header name", message: withPatch({ headers: { "X-Ünï": "v" } }), expect: reject("headers") },
	{
		name: "a custom header",
		message: withPatch({ headers: { "X-Campaign": "nov", "List-Unsubscribe": "<mailto:u@example.com>" } }),
		expect: deliver(),
	},
]);

export const fieldCases: HostileCase[] = [...overlong, ...recipients, ...base64, ...contentIds, ...owned];
