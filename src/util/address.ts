/**
 * Mailboxes as callers write them — `"Support <support@example.com>"`,
 * `"amy@example.com"`, `{email, name}` — checked against RFC 5321 (the
 * envelope is what the relay sees) and normalized: the domain becomes its
 * ASCII (A-label) form, so only a UTF-8 local part ever needs SMTPUTF8.
 */

export interface Mailbox {
	email: string;
	name?: string;
}

// RFC 5321 §4.1.2: atext (RFC 6531 adds any UTF-8 beyond ASCII).
const atom = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\u{10FFFF}-]+$/u;
// Quoted-string: qtextSMTP or quoted-pairSMTP (and UTF-8 under RFC 6531).
const quoted = /^"(?:[\x20\x21\x23-\x5b\x5d-\x7e\u0080-\u{10FFFF}]|\\[\x20-\x7e])*"$/u;
const label = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const ipv4 = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/;
const utf8 = new TextEncoder();
const nonAscii = /[\u0080-\u{10FFFF}]/u;

/** The domain in A-label form, or why it is not a domain. */
function normalizeDomain(domain: string): { domain: string } | { error: string } {
	if (domain.startsWith("[") && domain.endsWith("]")) {
		const literal = domain.slice(1, -1);
		if (ipv4.test(literal)) return { domain };
		if (/^IPv6:[0-9A-Fa-f:.]+$/.test(literal)) {
			try {
				new URL(`http://[${literal.slice(5)}]/`);
				return { domain };
			} catch {}
		}
		return { error: "is not a valid address literal" };
	}
	let ascii = domain;
	if (nonAscii.test(domain)) {
		try {
			ascii = new URL(`http://${domain}/`).hostname;
		} catch {
			return { error: "has a domain that is not a valid internationalized name" };
		}
	}
	const labels = ascii.split(".");
	if (labels.length < 2 || !labels.every((l) => label.test(l)) || /^\d+$/.test(labels.at(-1) ?? "")) {
		return { error: "has an invalid domain" };
	}
	if (ascii.length > 253) return { error: "has a domain longer than 253 characters" };
	return { domain: ascii.toLowerCase() };
}

/** Checks one address (no display name) and returns it with its domain in ASCII. */
export function normalizeEmail(email: string): { email: string } | { error: string } {
	const at = email.lastIndexOf("@");
	if (at <= 0 || at === email.length - 1) return { error: "is not an email address (local@domain)" };
	const local = email.slice(0, at);
	const isQuoted = local.startsWith('"');
	if (isQuoted ? !quoted.test(local) : !local.split(".").every((part) => atom.test(part))) {
		return { error: "has an invalid local part" };
	}
	if (utf8.encode(local).length > 64) return { error: "has a local part longer than 64 octets" };
	const domain = normalizeDomain(email.slice(at + 1));
	if ("error" in domain) return domain;
	return { email: `${local}@${domain.domain}` };
}

/** Splits `Name <addr>` / `"Doe, Jane" <addr>` / `addr` into its parts (unchecked). */
export function splitMailbox(text: string): Mailbox {
	const trimmed = text.trim();
	const angle = /^(.*?)\s*<([^<>]*)>$/s.exec(trimmed);
	if (!angle) return { email: trimmed };
	let name = angle[1].trim();
	if (name.length >= 2 && name.startsWith('"') && name.endsWith('"')) name = name.slice(1, -1).replace(/\\(.)/g, "$1");
	return name ? { email: angle[2].trim(), name } : { email: angle[2].trim() };
}

/** Whether sending to/from this address needs the relay's SMTPUTF8. */
export const needsSmtpUtf8 = (email: string): boolean => nonAscii.test(email);
