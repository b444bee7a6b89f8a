/**
 * The `send_email` binding route (FALLBACK_EMAIL, Cloudflare's Email
 * Service): edgesend's exact bytes as a raw `EmailMessage`. A raw message
 * has one envelope recipient (`new EmailMessage(from, to, raw)`), so a
 * message goes once per recipient, each time the same bytes (Bcc is in the
 * envelope only), and the answer lists who was accepted and who refused, as
 * an SMTP relay's RCPT replies do. The relay id is the first messageId the
 * binding answered (the Email Service writes a Message-ID of its own).
 */
import { EmailMessage } from "cloudflare:email";

/** What the route needs of a composed message (a ComposedMessage is one). */
export interface RawMessage {
	envelope: { from: string; to: string[] };
	size: number;
	/** A fresh stream each call. */
	body(): ReadableStream<Uint8Array>;
}

export interface BindingDelivery {
	id: string;
	accepted: string[];
	rejected: { address: string; reason: string }[];
	/** The binding's messageId per accepted recipient. */
	messageIds: string[];
}

/** The Email Service's size limit for a message (its limits page; 25 MiB only to verified addresses). */
export const BINDING_MAX_BYTES = 5 * 1024 * 1024;

/**
 * - `too_large`: over the Email Service's size, refused before sending;
 * - `rejected`: every recipient was refused;
 * - `unavailable`: the binding failed for every recipient without saying no to one of them.
 */
export class BindingError extends Error {
	override readonly name = "BindingError";
	constructor(
		message: string,
		readonly kind: "too_large" | "rejected" | "unavailable",
		readonly rejected: BindingDelivery["rejected"] = [],
	) {
		super(message);
	}
}

/** Sends `message` through `binding`, once per envelope recipient; throws BindingError when none was accepted. */
export async function sendThroughBinding(binding: SendEmail, message: RawMessage): Promise<BindingDelivery> {
	if (message.size > BINDING_MAX_BYTES) {
		throw new BindingError(
			`the message is ${message.size} bytes; the Email Service takes at most ${BINDING_MAX_BYTES}`,
			"too_large",
		);
	}
	const accepted: string[] = [];
	const messageIds: string[] = [];
	const rejected: BindingDelivery["rejected"] = [];
	for (const to of message.envelope.to) {
		try {
			const result = await binding.send(new EmailMessage(message.envelope.from, to, message.body()));
			accepted.push(to);
			messageIds.push(result?.messageId ?? "");
		} catch (error) {
			rejected.push({ address: to, reason: error instanceof Error ? error.message : String(error) });
		}
	}
	if (!accepted.length) {
		const first = rejected[0]?.reason ?? "no recipient";
		// "not allowed" is the binding's allow-list saying no; anything else is the service failing.
		const said = rejected.every((r) => /not allowed|invalid|does not match/i.test(r.reason));
		throw new BindingError(
			`the Email Service took no recipient: ${first}`,
			said ? "rejected" : "unavailable",
			rejected,
		);
	}
	return { id: messageIds[0].replace(/^<(.*)>$/, "$1"), accepted, rejected, messageIds };
}
