/**
 * The composer's contract (docs/INTERNALS.md, `src/mime`): what goes in, what
 * comes out. A `ComposedMessage` is an smtp `OutgoingMessage` as it stands.
 */

export interface Address {
	email: string;
	name?: string;
}

export interface AttachmentInput {
	filename: string;
	/** Media type such as `image/png`; guessed from the filename when absent. */
	type?: string;
	disposition?: "attachment" | "inline";
	/** Referenced from the HTML as `cid:<contentId>`; angle brackets optional. */
	contentId?: string;
	content: Uint8Array;
}

export interface MessageInput {
	from: Address;
	to: Address[];
	cc?: Address[];
	bcc?: Address[];
	replyTo?: Address[];
	subject: string;
	text?: string;
	html?: string;
	attachments?: AttachmentInput[];
	/** Extra header fields; the ones the composer writes itself are refused. */
	headers?: Record<string, string>;
}

/** Something the caller may want to know about, though the message was built. */
export interface MimeWarning {
	code: string;
	/** Where in the input, as `attachments[2]` or `html`. */
	path: string;
	message: string;
}

export interface ComposedMessage {
	/** `<random@sender-domain>`, as written in the Message-ID header. */
	messageId: string;
	/** from, and to+cc+bcc deduplicated (domain compared case-insensitively). */
	envelope: { from: string; to: string[] };
	/** Exact number of bytes every `body()` stream yields. */
	size: number;
	/** A fresh stream over the message each call; parts are encoded as it is read. */
	body(): ReadableStream<Uint8Array>;
	/** The bytes hold octets above 127 (raw UTF-8 addresses): ask for BODY=8BITMIME. */
	eightBit: boolean;
	/** An address has a UTF-8 local part: the relay must offer SMTPUTF8. */
	smtpUtf8: boolean;
	warnings: MimeWarning[];
}

export interface ComposeOptions {
	/** The Date header's time (default: now). */
	now?: Date;
	/** n random bytes (default: crypto.getRandomValues); inject for reproducible output. */
	random?: (n: number) => Uint8Array;
}
