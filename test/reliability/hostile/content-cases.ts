/**
 * Legitimate content that looks like SMTP: bodies with bare LF and bare CR,
 * lines starting with a dot, lone dots, lines over 998 octets, and the
 * smuggling sequences (`<LF>.<LF>`, `<LF>.<CR><LF>`, `<CR>.<CR>`, `<CR>.<LF>`,
 * `<CR><LF>.<CR><LF>`) followed by commands. Each must arrive as exactly one
 * message equal to its input, its data ending only at the real end.
 */
import { deliver, type HostileCase, inGroup, withPatch } from "./types";

const smuggled = (eol: string) =>
	["before", "MAIL FROM:<evil@example.com>", "RCPT TO:<victim@example.com>", "DATA", "smuggled", ".", "after"].join(
		eol,
	);

const sequences: [label: string, text: string][] = [
	["<LF>.<LF>", `before\n.\n${smuggled("\n")}\nEND`],
	["<LF>.<CR><LF>", `before\n.\r\n${smuggled("\r\n")}\r\nEND`],
	["<CR>.<CR>", `before\r.\r${smuggled("\r")}\rEND`],
	["<CR>.<LF>", `before\r.\n${smuggled("\n")}\nEND`],
	["<CR><LF>.<CR><LF>", `before\r\n.\r\n${smuggled("\r\n")}\r\nEND`],
];

const texts: [label: string, text: string][] = [
	["bare LF line ends", "one\ntwo\nthree\nEND"],
	["bare CR line ends", "one\rtwo\rthree\rEND"],
	["mixed line ends", "one\r\ntwo\nthree\rfour\n\rEND"],
	["lines starting with dots", ".hidden\n..two\n...three\n. spaced\nEND"],
	["a lone dot line", "before\n.\nEND"],
	["only a dot", "."],
	["ending in CRLF.CRLF", "the end is near\r\n.\r\n"],
	["ending in a dot line with no line end", "last line\n."],
	["a 998-octet line", `${"a".repeat(998)}\nEND`],
	["a 999-octet line", `${"b".repeat(999)}\nEND`],
	["a 5000-octet line of dots and spaces", `${". ".repeat(2500)}\nEND`],
	["a NUL", "before\0after\nEND"],
	["non-ASCII text", "Grüße, 你好, 😀 — ½ €\nEND"],
	...sequences.map(([label, text]): [string, string] => [`the smuggling sequence ${label} and commands`, text]),
];

const htmls: [label: string, html: string][] = [
	["bare LF and leading dots", "<p>one</p>\n.<p>two</p>\n..\nEND"],
	["a 5000-octet line", `<p>${"x".repeat(5000)}</p>`],
	["a lone dot line", "<p>before</p>\r\n.\r\n<p>after</p>"],
	...sequences.map(([label, text]): [string, string] => [`the smuggling sequence ${label}`, `<pre>${text}</pre>`]),
];

export const contentCases: HostileCase[] = inGroup(
	"bodies: bare LF/CR, leading dots, long lines, smuggling sequences",
	[
		...texts.map(([label, text]) => ({ name: `text with ${label}`, message: withPatch({ text }), expect: deliver() })),
		...htmls.map(([label, html]) => ({
			name: `html with ${label}`,
			message: withPatch({ text: undefined, html }),
			expect: deliver(),
		})),
		{
			name: "text and html both carrying <CR><LF>.<CR><LF>",
			message: withPatch({ text: sequences[4][1], html: `<pre>${sequences[0][1]}</pre>` }),
			expect: deliver(),
		},
		{
			name: "a subject starting with a dot, non-ASCII",
			message: withPatch({ subject: ".Réunion — ordre du jour ✓" }),
			expect: deliver(),
		},
	],
);
