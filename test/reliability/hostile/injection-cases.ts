/**
 * CR, LF, NUL, `CRLF.CRLF` and a whole smuggled command in every string
 * field that ends up in a header or on an SMTP command line: each must be
 * refused with a 400 naming the field — nothing of it may reach the relay.
 */
import { type HostileCase, type Message, reject, withPatch } from "./types";

const payloads: [label: string, text: string][] = [
	["CR", "\r"],
	["LF", "\n"],
	["NUL", "\0"],
	["CRLF.CRLF", "\r\n.\r\n"],
	["a smuggled RCPT", "\r\nRCPT TO:<victim@example.com>\r\n"],
];

const png = "iVBORw0KGgo=";

/** Where a payload goes, and the path the answer must name. */
const targets: [field: string, path: string, patch: (p: string) => Message][] = [
	["from (display name, string form)", "from", (p) => ({ from: `Sen${p}der <sender@example.com>` })],
	["from (address, string form)", "from", (p) => ({ from: `Sender <send${p}er@example.com>` })],
	["from.email", "from.email", (p) => ({ from: { email: `send${p}er@example.com`, name: "Sender" } })],
	["from.name", "from.name", (p) => ({ from: { email: "sender@example.com", name: `Sen${p}der` } })],
	["to[0] (address)", "to[0]", (p) => ({ to: [`amy${p}@example.com`] })],
	["to[0] (display name)", "to[0]", (p) => ({ to: [`Amy${p} <amy@example.com>`] })],
	["to[1].email", "to[1].email", (p) => ({ to: ["amy@example.com", { email: `ben${p}@example.com` }] })],
	["to[1].name", "to[1].name", (p) => ({ to: ["amy@example.com", { email: "ben@example.com", name: `Ben${p}` }] })],
	["cc", "cc", (p) => ({ cc: `carl@exa${p}mple.com` })],
	["bcc[0]", "bcc[0]", (p) => ({ bcc: [`dora${p}@example.com`] })],
	["replyTo", "replyTo", (p) => ({ replyTo: `Help${p} <help@example.com>` })],
	["subject", "subject", (p) => ({ subject: `Hello${p}world` })],
	["a header name", "headers", (p) => ({ headers: { [`X-Ev${p}il`]: "value" } })],
	["a header value", 'headers["X-Campaign"]', (p) => ({ headers: { "X-Campaign": `nov${p}Bcc: victim@example.com` } })],
	[
		"attachments[0].filename",
		"attachments[0].filename",
		(p) => ({ attachments: [{ filename: `re${p}ceipt.png`, content: png }] }),
	],
	[
		"attachments[0].contentId",
		"attachments[0].contentId",
		(p) => ({
			html: '<img src="cid:logo">',
			attachments: [{ filename: "logo.png", disposition: "inline", contentId: `lo${p}go`, content: png }],
		}),
	],
	[
		"attachments[0].type",
		"attachments[0].type",
		(p) => ({ attachments: [{ filename: "logo.png", type: `image/png${p}`, content: png }] }),
	],
	["labelId", "labelId", (p) => ({ labelId: `42${p}` })],
];

export const injectionCases: HostileCase[] = targets.flatMap(([field, path, patch]) =>
	payloads.map(
		([label, text]): HostileCase => ({
			name: `${label} in ${field}`,
			group: "CR, LF, NUL or a smuggled command in a header or envelope field",
			message: withPatch(patch(text)),
			expect: reject(path),
		}),
	),
);
