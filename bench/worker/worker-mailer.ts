/**
 * worker-mailer, driven the way its README shows: WorkerMailer.connect() once
 * per connection, then mailer.send() for every message on it (it queues them
 * and sends one after another on the same connection).
 */
import { type EmailOptions, LogLevel, WorkerMailer } from "worker-mailer";
import { deal, jobMessages, relayCredentials, type SendJob, type SendResult } from "../lib/jobs.ts";
import type { BenchMessage } from "../lib/messages.ts";

/** worker-mailer has no inline parts: images go as plain attachments, base64 given by the caller. */
export function toWorkerMailerEmail(message: BenchMessage, base64: (bytes: Uint8Array) => string): EmailOptions {
	return {
		from: message.from,
		to: message.to,
		subject: message.subject,
		text: message.text,
		html: message.html,
		attachments: message.attachments.length
			? message.attachments.map((a) => ({ filename: a.filename, mimeType: a.type, content: base64(a.content) }))
			: undefined,
	};
}

export async function sendWithWorkerMailer(job: SendJob): Promise<SendResult> {
	const groups = deal(jobMessages(job), job.sessions);
	const mailers: WorkerMailer[] = [];
	const noBase64 = () => {
		throw new Error("bench send jobs carry no attachments");
	};
	const start = Date.now();
	try {
		await Promise.all(
			groups.map(async (group) => {
				const mailer = await WorkerMailer.connect({
					host: "localhost",
					port: job.port,
					secure: job.security === "tls",
					startTls: job.security === "starttls",
					credentials: { username: relayCredentials.user, password: relayCredentials.pass },
					authType: "login",
					logLevel: LogLevel.NONE,
				});
				mailers.push(mailer);
				await Promise.all(group.map((message) => mailer.send(toWorkerMailerEmail(message, noBase64))));
			}),
		);
		return { ms: Date.now() - start, delivered: job.messages };
	} finally {
		await Promise.all(mailers.map((mailer) => mailer.close().catch(() => {})));
	}
}
