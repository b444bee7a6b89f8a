/**
 * The typed errors of the SMTP client. `api` maps them to problem responses
 * in one place; nothing here knows about HTTP.
 */

/** Where in the session the failure happened. */
export type SmtpStage =
	| "connect"
	| "tls"
	| "greeting"
	| "ehlo"
	| "starttls"
	| "auth"
	| "mail"
	| "rcpt"
	| "data"
	| "message"
	| "quit";

/**
 * - `rejected`: the relay (or our reading of its limits) said no for good: a 5xx.
 * - `unavailable`: worth retrying later: a 4xx, a refused or lost connection.
 * - `timeout`: the connect timeout, a reply timeout or the session deadline ran out.
 * - `unknown`: the connection was lost after the message's final dot and before
 *   its reply: the message may have been accepted.
 * - `tls`: the TLS handshake failed (e.g. a certificate not from a trusted CA).
 * - `protocol`: the relay broke the protocol or lacks something required (STARTTLS, an AUTH mechanism).
 */
export type SmtpErrorKind = "rejected" | "unavailable" | "timeout" | "unknown" | "tls" | "protocol";

export interface RejectedRecipient {
	address: string;
	code: number;
	enhancedCode?: string;
	reply: string;
}

export interface SmtpErrorInit {
	stage: SmtpStage;
	kind: SmtpErrorKind;
	code?: number;
	enhancedCode?: string;
	/** The relay's reply, when it spoke (credentials masked). */
	reply?: string;
	rejected?: RejectedRecipient[];
	/** The client refused the message itself, before sending anything of it: the relay never saw it. */
	local?: true;
	cause?: unknown;
}

export class SmtpError extends Error {
	override readonly name = "SmtpError";
	readonly stage: SmtpStage;
	readonly kind: SmtpErrorKind;
	readonly code?: number;
	readonly enhancedCode?: string;
	readonly reply?: string;
	readonly rejected?: RejectedRecipient[];
	/** Refused by the client itself (an envelope it cannot write, a size over the relay's SIZE): never the relay's words. */
	readonly local?: true;

	constructor(message: string, init: SmtpErrorInit) {
		super(message, init.cause === undefined ? undefined : { cause: init.cause });
		this.stage = init.stage;
		this.kind = init.kind;
		if (init.code !== undefined) this.code = init.code;
		if (init.enhancedCode !== undefined) this.enhancedCode = init.enhancedCode;
		if (init.reply !== undefined) this.reply = init.reply;
		if (init.rejected !== undefined) this.rejected = init.rejected;
		if (init.local) this.local = true;
	}
}

/** A setting that can never work (refused before any connection is made). */
export class SmtpConfigError extends Error {
	override readonly name = "SmtpConfigError";
	/** The `SmtpConfig` field at fault. */
	readonly field: string;

	constructor(field: string, message: string) {
		super(message);
		this.field = field;
	}
}
