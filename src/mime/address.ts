/**
 * Email addresses: checked, with an internationalised domain turned into its
 * ASCII (punycode) form and a UTF-8 local part kept as it is (RFC 6531/6532:
 * the message then needs SMTPUTF8); and mailboxes written into header fields,
 * display names quoted or encoded as RFC 5322 and RFC 2047 require.
 */
import { needsEncoding } from "./encoded-word.ts";
import { type FieldWriter, FOLD_AT, isAscii } from "./headers.ts";
import { quote } from "./rfc2231.ts";

export interface Mailbox {
	/** `local@ascii-domain`, as written in headers and in the envelope. */
	address: string;
	/** What makes two addresses the same recipient: the domain compared case-insensitively. */
	key: string;
	/** The local part is not ASCII. */
	utf8: boolean;
	name?: string;
}

// atext (RFC 5322 §3.2.3) plus any non-ASCII character but the C1 controls (RFC 6532 §3.2).
const ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~\\-\\u00a0-\\ud7ff\\ue000-\\u{10ffff}";
const DOT_ATOM = new RegExp(`^[${ATEXT}]+(?:\\.[${ATEXT}]+)*$`, "u");
// A quoted local part (RFC 5321 §4.1.2 quoted-string, UTF-8 allowed by RFC 6531).
const QUOTED = /^"(?:[\x20\x21\x23-\x5b\x5d-\x7e\u00a0-\ud7ff\ue000-\u{10ffff}]|\\[\x20-\x7e])*"$/u;
const LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
const ADDRESS_LITERAL = /^\[(?:\d{1,3}(?:\.\d{1,3}){3}|IPv6:[0-9A-Fa-f:.]+)\]$/;

const encoder = new TextEncoder();

/** The mailbox for `email`, or why it is not an address edgesend can send to. */
export function parseAddress(email: string): Mailbox | string {
	const at = email.lastIndexOf("@");
	if (at <= 0 || at === email.length - 1) return "is not an email address (local-part@domain)";
	const local = email.slice(0, at);
	if (!DOT_ATOM.test(local) && !QUOTED.test(local)) return "has an invalid local part";
	if (encoder.encode(local).length > 64) return "has a local part longer than 64 octets";
	const domain = asciiDomain(email.slice(at + 1));
	if (domain === undefined) return "has an invalid domain";
	const address = `${local}@${domain}`;
	if (encoder.encode(address).length > 254) return "is longer than 254 octets";
	return { address, key: `${local}@${domain.toLowerCase()}`, utf8: !isAscii(local) };
}

/** The domain as ASCII (IDNA via the URL parser, which applies UTS #46), or undefined. */
function asciiDomain(domain: string): string | undefined {
	if (domain.startsWith("[")) return ADDRESS_LITERAL.test(domain) ? domain : undefined;
	if (isAscii(domain)) return HOSTNAME.test(domain) && domain.length <= 253 ? domain : undefined;
	if (/[\s@/\\?#%:[\]<>"',;()]/.test(domain)) return undefined;
	try {
		const ascii = new URL(`http://${domain}/`).hostname;
		return HOSTNAME.test(ascii) && ascii.length <= 253 ? ascii : undefined;
	} catch {
		return undefined;
	}
}

/** Display names that can go as plain atoms: `Amy Smith`. */
const ATOMS = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?: [A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;

/** Writes `mailboxes` as an address list (`Amy <amy@x>, ben@x`) into `field`. */
export function writeAddressList(field: FieldWriter, mailboxes: Mailbox[]): void {
	mailboxes.forEach((mailbox, i) => {
		const address = mailbox.name ? `<${mailbox.address}>` : mailbox.address;
		const tail = `${address}${i < mailboxes.length - 1 ? "," : ""}`;
		const phrase = mailbox.name ? plainPhrase(mailbox.name) : "";
		if (phrase === undefined) field.addEncoded(mailbox.name as string);
		else if (phrase && `${phrase} ${tail}`.length < FOLD_AT) {
			// Name and address on one line when they fit: easier to read.
			field.add(` ${phrase} ${tail}`);
			return;
		} else if (phrase) for (const word of phrase.split(" ")) field.add(` ${word}`);
		field.add(` ${tail}`);
	});
}

/**
 * A display name as RFC 5322 writes it: atoms as they are, other ASCII as a
 * quoted-string; undefined when it must be encoded-words instead (never put
 * inside quotes, RFC 2047 §5).
 */
function plainPhrase(name: string): string | undefined {
	if (needsEncoding(name)) return undefined;
	if (ATOMS.test(name) && name.split(" ").every((word) => word.length < FOLD_AT - 1)) return name;
	const quoted = `"${quote(name)}"`;
	return quoted.length < FOLD_AT - 1 ? quoted : undefined;
}
