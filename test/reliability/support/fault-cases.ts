/**
 * The fault table shared by the SMTP-level and the HTTP-level fault suites:
 * for each way a relay can misbehave, the script that makes the fault relay
 * do it, the SmtpError the client must raise, and the HTTP answer DESIGN.md's
 * error model names for it (relay 5xx → 502 with the reply, relay 536 → 429,
 * relay 552 → 413, relay 4xx or a lost connection → 503, timeout → 504).
 */
import type { SmtpErrorKind, SmtpStage } from "../../../src/smtp";
import type { FaultAction, FaultScript, FaultStage } from "../../fixtures/fault-types.ts";

export interface ExpectedFailure {
	stage: SmtpStage;
	kind: SmtpErrorKind;
	code?: number;
}

export interface ExpectedHttp {
	status: number;
	code: string;
}

export interface FaultCase {
	name: string;
	script: FaultScript;
	/** `delivered`: the client copes and the message arrives. */
	smtp: ExpectedFailure | "delivered";
	http: ExpectedHttp | "delivered";
	/** Envelope recipients (default one). */
	to?: string[];
	/** Whether a reply timeout is what ends the case (the suites then configure a small one). */
	hangs?: boolean;
	/**
	 * Why the relay cannot see the client's close (the client must still have
	 * closed the socket): workerd keeps a connection whose TLS handshake is
	 * stalled open, whatever the client does with it.
	 */
	relayMissesClose?: string;
	/** Commands the relay must never have seen (e.g. AUTH over an unprotected connection). */
	never?: RegExp;
}

const at = (stage: FaultStage, action: FaultAction): FaultScript => ({ security: "none", at: { [stage]: action } });
const reply = (stage: FaultStage, lines: string | string[]) => at(stage, { reply: lines });
const drop = (stage: FaultStage) => at(stage, { drop: true });
const hang = (stage: FaultStage) => at(stage, { hang: true });

const rejected = (stage: SmtpStage, code: number): Pick<FaultCase, "smtp" | "http"> => ({
	smtp: { stage, kind: "rejected", code },
	http: { status: 502, code: "relay_rejected" },
});
const unavailable = (stage: SmtpStage, code?: number): Pick<FaultCase, "smtp" | "http"> => ({
	smtp: { stage, kind: "unavailable", ...(code ? { code } : {}) },
	http: { status: 503, code: "relay_unavailable" },
});
const timeout = (stage: SmtpStage): Pick<FaultCase, "smtp" | "http" | "hangs"> => ({
	smtp: { stage, kind: "timeout" },
	http: { status: 504, code: "relay_timeout" },
	hangs: true,
});
const protocol = (stage: SmtpStage): Pick<FaultCase, "smtp" | "http"> => ({
	smtp: { stage, kind: "protocol" },
	http: { status: 502, code: "relay_protocol_error" },
});
const tlsFailure: Pick<FaultCase, "smtp" | "http"> = {
	smtp: { stage: "tls", kind: "tls" },
	http: { status: 502, code: "relay_tls_failed" },
};
const unknown: Pick<FaultCase, "smtp" | "http"> = {
	smtp: { stage: "message", kind: "unknown" },
	http: { status: 502, code: "delivery_unknown" },
};
const delivered: Pick<FaultCase, "smtp" | "http"> = { smtp: "delivered", http: "delivered" };

const stalledHandshake = "workerd does not release a connection whose TLS handshake is pending when it is closed";

/** A reply line of 600 octets: longer than RFC 5321's 512, still a reply. */
const longText = `queued ${"x".repeat(590)}`;

export const faultCases: FaultCase[] = [
	// Greeting
	{ name: "no greeting", script: hang("greeting"), ...timeout("greeting") },
	{ name: "dropped before the greeting", script: drop("greeting"), ...unavailable("greeting") },
	{ name: "554 greeting", script: reply("greeting", "554 5.7.1 No SMTP service here"), ...rejected("greeting", 554) },
	{ name: "421 greeting", script: reply("greeting", "421 4.3.2 Try again later"), ...unavailable("greeting", 421) },
	// EHLO
	{ name: "EHLO refused", script: reply("ehlo", "550 5.7.1 Go away"), ...rejected("ehlo", 550) },
	{ name: "dropped at EHLO", script: drop("ehlo"), ...unavailable("ehlo") },
	{ name: "no answer to EHLO", script: hang("ehlo"), ...timeout("ehlo") },
	// STARTTLS and TLS
	{
		name: "STARTTLS not offered",
		script: { security: "starttls", offerStartTls: false },
		...protocol("starttls"),
		never: /^(AUTH|MAIL)/,
	},
	{
		name: "454 to STARTTLS",
		script: { security: "starttls", at: { starttls: { reply: "454 4.7.0 TLS not available" } } },
		...unavailable("starttls", 454),
		never: /^(AUTH|MAIL)/,
	},
	{
		name: "dropped at STARTTLS",
		script: { security: "starttls", at: { starttls: { drop: true } } },
		...unavailable("starttls"),
	},
	{
		name: "no answer to STARTTLS",
		script: { security: "starttls", at: { starttls: { hang: true } } },
		...timeout("starttls"),
		never: /^AUTH/,
	},
	{
		name: "untrusted certificate after STARTTLS",
		script: { security: "starttls", rogueCert: true },
		...tlsFailure,
		never: /^(AUTH|MAIL)/,
	},
	{
		name: "no answer to the TLS handshake after STARTTLS",
		script: { security: "starttls", stallTlsHandshake: true },
		...timeout("tls"),
		never: /^(AUTH|MAIL)/,
		relayMissesClose: stalledHandshake,
	},
	{
		name: "no answer to the implicit TLS handshake",
		script: { security: "tls", stallTlsHandshake: true },
		// The socket does not open until the handshake is done: the connect timeout ends it.
		...timeout("connect"),
		relayMissesClose: stalledHandshake,
	},
	{ name: "untrusted certificate on implicit TLS", script: { security: "tls", rogueCert: true }, ...tlsFailure },
	{
		name: "plaintext injected after 220 Ready to start TLS",
		script: { security: "starttls", injectAfterStartTls: "554 5.7.0 injected before the handshake\r\n" },
		...delivered,
	},
	// AUTH
	{
		name: "535 to AUTH",
		script: reply("auth", "535 5.7.8 Authentication credentials invalid"),
		...rejected("auth", 535),
	},
	{
		name: "454 to AUTH",
		script: reply("auth", "454 4.7.0 Temporary authentication failure"),
		...unavailable("auth", 454),
	},
	{ name: "dropped at AUTH", script: drop("auth"), ...unavailable("auth") },
	{ name: "no answer to AUTH", script: hang("auth"), ...timeout("auth") },
	// MAIL
	{
		name: "536 to MAIL (frequency limited)",
		script: reply("mail", "536 Frequency limited"),
		smtp: { stage: "mail", kind: "rejected", code: 536 },
		http: { status: 429, code: "rate_limited" },
	},
	{ name: "451 to MAIL", script: reply("mail", "451 4.3.0 Local error"), ...unavailable("mail", 451) },
	{ name: "550 to MAIL", script: reply("mail", "550 5.7.1 Sender refused"), ...rejected("mail", 550) },
	{ name: "dropped at MAIL", script: drop("mail"), ...unavailable("mail") },
	{ name: "no answer to MAIL", script: hang("mail"), ...timeout("mail") },
	// RCPT
	{
		name: "some recipients refused",
		script: { security: "none", at: { rcpt: [null, { reply: "550 5.1.1 No such user" }, null] } },
		to: ["amy@example.com", "nobody@example.com", "ben@example.com"],
		...delivered,
	},
	{
		name: "every recipient refused (550)",
		script: reply("rcpt", "550 5.1.1 No such user"),
		to: ["amy@example.com", "ben@example.com"],
		...rejected("rcpt", 550),
	},
	{
		name: "every recipient refused (450)",
		script: reply("rcpt", "450 4.2.0 Mailbox busy"),
		to: ["amy@example.com", "ben@example.com"],
		...unavailable("rcpt", 450),
	},
	{ name: "dropped at RCPT", script: drop("rcpt"), ...unavailable("rcpt") },
	{ name: "no answer to RCPT", script: hang("rcpt"), ...timeout("rcpt") },
	// DATA
	{ name: "554 to DATA", script: reply("data", "554 5.5.1 No valid recipients"), ...rejected("data", 554) },
	{ name: "dropped at DATA", script: drop("data"), ...unavailable("data") },
	{ name: "no answer to DATA", script: hang("data"), ...timeout("data") },
	// After the final dot
	{
		name: "552 after the final dot",
		script: reply("message", "552 5.3.4 Message too big"),
		smtp: { stage: "message", kind: "rejected", code: 552 },
		// The relay's size refusal is the caller's "too large", like our own size check.
		http: { status: 413, code: "payload_too_large" },
	},
	{ name: "451 after the final dot", script: reply("message", "451 4.3.0 Queue full"), ...unavailable("message", 451) },
	{ name: "554 after the final dot", script: reply("message", "554 5.7.1 Spam detected"), ...rejected("message", 554) },
	{ name: "dropped after the final dot, before the reply", script: drop("message"), ...unknown },
	{ name: "no answer to the final dot", script: hang("message"), ...unknown, hangs: true },
	// QUIT: the message is already accepted; closing must neither fail nor hang
	{ name: "no answer to QUIT", script: hang("quit"), ...delivered },
	{ name: "dropped at QUIT", script: drop("quit"), ...delivered },
	// The shape of replies on the wire
	{ name: "replies split byte by byte", script: { security: "starttls", writes: "bytewise" }, ...delivered },
	{
		name: "several replies in one packet",
		script: { security: "starttls", writes: "batched" },
		to: ["amy@example.com", "ben@example.com", "cy@example.com"],
		...delivered,
	},
	{
		name: "garbage instead of the greeting",
		script: at("greeting", { raw: "hello there\r\n" }),
		...protocol("greeting"),
	},
	{
		name: "garbage instead of the MAIL reply",
		script: at("mail", { raw: "\x00\x01\x02 what\r\n" }),
		...protocol("mail"),
	},
	{
		name: "reply code changing inside a multi-line reply",
		script: reply("ehlo", ["250-fault relay", "550 or not"]),
		...protocol("ehlo"),
	},
	{ name: "a 600-octet reply to the final dot", script: reply("message", `250 ${longText}`), ...delivered },
	{
		name: "a 600-octet refusal of the sender",
		script: reply("mail", `550 5.7.1 ${longText}`),
		...rejected("mail", 550),
	},
	{
		name: "an endless reply line",
		script: at("greeting", { raw: `220 ${"y".repeat(20_000)}` }),
		...protocol("greeting"),
	},
];
