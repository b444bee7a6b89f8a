/**
 * The three composers, each given the same message in its own natural input
 * shape (prepared before any measuring) and asked to produce every byte of it.
 * Each returns the byte count it produced; output is counted, never kept.
 */
import MailComposer from "nodemailer/lib/mail-composer";
import { Email } from "worker-mailer";
import { composeMessage } from "../../src/mime/index.ts";
import { toMessageInput } from "../lib/edgesend-input.ts";
import type { BenchMessage } from "../lib/messages.ts";
import { toWorkerMailerEmail } from "../worker/worker-mailer.ts";

export type Composer = "edgesend" | "nodemailer" | "worker-mailer";

/** Prepares the input once; the returned function composes the message with `subject` and drains it. */
export type PreparedComposer = (subject: string) => Promise<number>;

const base64 = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64");

async function drain(stream: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>): Promise<number> {
	let bytes = 0;
	for await (const chunk of stream as AsyncIterable<Uint8Array>) bytes += chunk.byteLength;
	return bytes;
}

function edgesend(message: BenchMessage): PreparedComposer {
	const input = toMessageInput(message);
	return async (subject) => {
		const composed = composeMessage({ ...input, subject });
		const bytes = await drain(composed.body());
		if (bytes !== composed.size) throw new Error(`edgesend: body() gave ${bytes} bytes, size says ${composed.size}`);
		return bytes;
	};
}

function nodemailer(message: BenchMessage): PreparedComposer {
	const mail = {
		from: { name: message.from.name ?? "", address: message.from.email },
		to: message.to.map((a) => ({ name: a.name ?? "", address: a.email })),
		subject: message.subject,
		text: message.text,
		html: message.html,
		attachments: message.attachments.map((a) => ({
			filename: a.filename,
			contentType: a.type,
			contentDisposition: a.disposition,
			cid: a.contentId,
			content: Buffer.from(a.content.buffer, a.content.byteOffset, a.content.byteLength),
		})),
	};
	return (subject) => drain(new MailComposer({ ...mail, subject }).compile().createReadStream());
}

/** worker-mailer has no inline images: they go as plain attachments (its only kind). */
function workerMailer(message: BenchMessage): PreparedComposer {
	const options = toWorkerMailerEmail(message, base64);
	const encoder = new TextEncoder();
	// It builds the message as one string and its socket writer encodes it whole: count those bytes.
	return async (subject) => encoder.encode(new Email({ ...options, subject }).getEmailData()).byteLength;
}

export const composers: Record<Composer, (message: BenchMessage) => PreparedComposer> = {
	edgesend,
	nodemailer,
	"worker-mailer": workerMailer,
};
