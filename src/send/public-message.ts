/**
 * What a public (browser) key may send, checked on every message it sends:
 * only to its recipients, only from its senders, only with its label, no
 * custom headers, no `url` attachments; and the names of the limiters that
 * count its sends per client IP (IPv6 per /64) and per key. Anyone can copy a
 * published key, so these rules, not the origin check, are what bound it.
 */
import type { PublicKey } from "../config";
import { normalizeEmail, splitMailbox } from "../util/address";
import type { FieldError } from "../util/field-path";
import { recipientsOf } from "./message-input";
import type { MessageBody } from "./message-schema";
import { ProblemError } from "./problem";

const emailOf = (mailbox: MessageBody["from"]): string => {
	const raw = typeof mailbox === "string" ? splitMailbox(mailbox).email : mailbox.email;
	const checked = normalizeEmail(raw);
	return ("email" in checked ? checked.email : raw).toLowerCase();
};

/** The request body with the key's defaults filled in: its first sender when `from` is left out. */
export function withPublicDefaults(key: PublicKey, input: unknown): unknown {
	if (typeof input !== "object" || input === null || Array.isArray(input) || "from" in input) return input;
	return { ...input, from: key.from[0] };
}

/**
 * Throws one 403 naming every field the key does not allow: a recipient or
 * sender outside its lists, another label, custom headers, `url` attachments.
 */
export function checkPublicMessage(key: PublicKey, body: MessageBody): void {
	const refused: FieldError[] = recipientsOf(body)
		.filter((r) => !key.to.includes(r.email.toLowerCase()))
		.map((r) => ({ path: r.path, message: "is not a recipient this public key may send to" }));
	const senders = key.from.map((f) => emailOf(f));
	if (!senders.includes(emailOf(body.from))) {
		refused.push({ path: "from", message: "is not a sender this public key may send from" });
	}
	if (body.labelId !== undefined && String(body.labelId) !== key.labelId) {
		refused.push({ path: "labelId", message: "is not the label of this public key" });
	}
	if (body.headers !== undefined) refused.push({ path: "headers", message: "a public key may not set headers" });
	for (const [i, a] of (body.attachments ?? []).entries()) {
		if (a.url !== undefined) {
			refused.push({ path: `attachments[${i}].url`, message: "a public key may not have attachments fetched" });
		}
	}
	if (refused.length) {
		throw new ProblemError("forbidden", `this public key may not send this: ${refused.map((r) => r.path).join(", ")}`, {
			errors: refused,
		});
	}
}

/** Expands an IPv6 address to its eight groups, or undefined when it is not one. */
function ipv6Groups(address: string): number[] | undefined {
	let text = address
		.replace(/^\[|\]$/g, "")
		.split("%")[0]
		.toLowerCase();
	const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
	if (v4) {
		const [a, b, c, d] = v4.slice(1).map(Number);
		text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
	}
	const halves = text.split("::");
	if (halves.length > 2) return undefined;
	const part = (h: string) => (h === "" ? [] : h.split(":"));
	const head = part(halves[0]);
	const tail = halves.length === 2 ? part(halves[1]) : [];
	const missing = 8 - head.length - tail.length;
	if (missing < 0 || (halves.length === 1 && missing !== 0)) return undefined;
	const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
	if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return undefined;
	return groups.map((g) => Number.parseInt(g, 16));
}

/**
 * The part of a client address that names one client: an IPv6 host is given
 * a whole /64, so it is counted by its /64 (an IPv4-mapped address as the
 * IPv4 address); anything else as it is.
 */
export function clientBucket(address: string): string {
	const groups = ipv6Groups(address);
	if (!groups) return address;
	const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
	if (mapped) return [groups[6] >> 8, groups[6] & 255, groups[7] >> 8, groups[7] & 255].join(".");
	return `${groups
		.slice(0, 4)
		.map((g) => g.toString(16))
		.join(":")}::/64`;
}

/** The name of the limiter that counts one client's sends with one key. */
export const ipLimiterName = (key: PublicKey, clientIp: string) => `ip:${key.key}:${clientBucket(clientIp)}`;

/** The name of the limiter that counts all sends with one key. */
export const keyLimiterName = (key: PublicKey) => `public-key:${key.key}`;
