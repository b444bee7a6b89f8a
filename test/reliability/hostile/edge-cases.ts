/**
 * Protocol edges an outside review found (issue 11, part D): inputs that are
 * legitimate but used to break a rule of the wire (a 1,509-octet header line,
 * base64 under message/rfc822, encoded-words inside a quoted parameter, an
 * unquoted `"john doe"` local part), and inputs that must be refused naming
 * their field (trace headers, Content-IDs that are no msg-id).
 */
import { b64, deliver, type HostileCase, inGroup, reject, withPatch } from "./types";

const eml = "From: a@example.com\r\nTo: b@example.com\r\nSubject: inner\r\n\r\nthe inner body\r\n";
const png = b64(Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 1, 2, 3));

const wire: HostileCase[] = inGroup("protocol edges: header lines, message/rfc822, RFC 2047/2231", [
	{
		name: 'a subject of "a", 1500 spaces, "b"',
		message: withPatch({ subject: `a${" ".repeat(1500)}b` }),
		expect: deliver(),
	},
	{
		name: "a header value with a 996-space run",
		message: withPatch({ headers: { "X-Spaces": `x${" ".repeat(996)}y` } }),
		expect: deliver(),
	},
	{
		name: "a subject ending in 1200 spaces (no fold can carry it)",
		message: withPatch({ subject: `a${" ".repeat(1200)}` }),
		expect: reject("subject"),
	},
	{
		name: "a long non-ASCII subject (encoded-word lines ≤ 76)",
		message: withPatch({ subject: `Re: ${"déjà vu, 日本語 ".repeat(12)}end` }),
		expect: deliver(),
	},
	{
		name: "a .eml attachment with CRLF lines (sent 7bit as message/rfc822)",
		message: withPatch({ attachments: [{ filename: "forwarded.eml", content: b64(eml) }] }),
		expect: deliver(),
	},
	{
		name: "a .eml attachment with bare LF lines (sent as application/octet-stream)",
		message: withPatch({ attachments: [{ filename: "forwarded.eml", content: b64(eml.replace(/\r\n/g, "\n")) }] }),
		expect: deliver(),
	},
	{
		name: 'quoted local parts: from "john doe"@example.com to "jane q. public"@example.com',
		message: withPatch({ from: '"john doe"@example.com', to: ['"jane q. public"@example.com'] }),
		expect: deliver(),
	},
	{
		name: "an attachment with a non-ASCII file name (name* and filename* in RFC 2231)",
		message: withPatch({ attachments: [{ filename: "Übersicht März — 2026.pdf", content: png }] }),
		expect: deliver(),
	},
]);

const refused: HostileCase[] = inGroup("protocol edges: trace headers, Content-IDs that are no msg-id", [
	...["Return-Path", "Received"].map((name) => ({
		name: `${name} in headers`,
		message: withPatch({ headers: { [name]: "<x@example.com>" } }),
		expect: reject(name.includes("-") ? `headers[${JSON.stringify(name)}]` : `headers.${name}`),
	})),
	...['a"b@example.com', "a(b)@example.com", "a,b@x", "a:b@x", "a;b@x", "a[b]@x", "a\\b@x", "a..b@x", "ünï@x"].map(
		(contentId) => ({
			name: `the content id ${JSON.stringify(contentId)}`,
			message: withPatch({
				html: '<img src="cid:x">',
				attachments: [{ filename: "a.png", disposition: "inline", contentId, content: png }],
			}),
			expect: reject("attachments[0].contentId"),
		}),
	),
]);

export const edgeCases: HostileCase[] = [...wire, ...refused];
