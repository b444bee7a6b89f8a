/**
 * The shape of a hostile-input case, and the valid message each case bends.
 * A case either expects a clear 4xx naming the field, or — where the input is
 * legitimate content — exactly one delivered message equal to its input.
 */
import type { Overrides } from "../support/api";

export type Message = Record<string, unknown>;

export interface Rejection {
	status: number;
	code: string;
	/** The field the answer must name: an `errors[].path` equal to it or inside it (`from` covers `from.name`). */
	path?: string;
}

export interface HostileCase {
	name: string;
	/** The input class (docs/RELIABILITY.md lists them). */
	group: string;
	/** A message body (for /v1/send, and as one item of a /v1/batch). */
	message?: Message;
	/** A request body as sent, for cases about the request rather than a message (only through /v1/send or /v1/batch as given). */
	raw?: { path: "/v1/send" | "/v1/batch"; body: string | (() => ReadableStream<Uint8Array>); contentType?: string };
	/** Settings for this case (a smaller MAX_MESSAGE_BYTES…). */
	overrides?: Overrides;
	expect: { reject: Rejection } | { deliver: { warnings?: { code: string; path: string }[] } };
}

/** Cases of one input class. */
export const inGroup = (group: string, cases: Omit<HostileCase, "group">[]): HostileCase[] =>
	cases.map((c) => ({ ...c, group }));

/** The valid message every case starts from. */
export const baseMessage = (): Message => ({
	from: "Sender <sender@example.com>",
	to: ["amy@example.com"],
	subject: "hostile input",
	text: "Hello.\nEND",
});

/** The base message with `patch` applied (a key set to `undefined` is left out). */
export const withPatch = (patch: Message): Message => {
	const message = { ...baseMessage(), ...patch };
	for (const key of Object.keys(message)) if (message[key] === undefined) delete message[key];
	return message;
};

export const reject = (path: string | undefined, status = 400, code = "validation_failed"): HostileCase["expect"] => ({
	reject: { status, code, ...(path === undefined ? {} : { path }) },
});

export const deliver = (warnings?: { code: string; path: string }[]): HostileCase["expect"] => ({
	deliver: warnings ? { warnings } : {},
});

/** Standard base64 of bytes or of a string's UTF-8. */
export const b64 = (content: string | Uint8Array): string => {
	const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
	let binary = "";
	for (const byte of bytes) binary += String.fromCharCode(byte);
	return btoa(binary);
};
