/**
 * nodemailer in Node, the reference SMTP client: a plain transport (one
 * connection per message) for round trips, a pooled transport for batches.
 * Resolves each message at its final 250; QUIT happens after the clock stops.
 */
import { readFileSync } from "node:fs";
import nodemailer from "nodemailer";
import { ehloName, jobMessages, relayCredentials, type SendJob, type SendResult } from "../lib/jobs.ts";
import type { BenchMessage } from "../lib/messages.ts";

const testCa = readFileSync(new URL("../../test/fixtures/certs/ca.pem", import.meta.url));

function toMail(message: BenchMessage) {
	return {
		from: { name: message.from.name ?? "", address: message.from.email },
		to: message.to.map((a) => ({ name: a.name ?? "", address: a.email })),
		subject: message.subject,
		text: message.text,
		html: message.html,
	};
}

export async function sendWithNodemailer(job: SendJob): Promise<SendResult> {
	const pooled = job.messages > 1;
	const transport = nodemailer.createTransport({
		host: "localhost",
		port: job.port,
		secure: job.security === "tls",
		requireTLS: job.security === "starttls",
		name: ehloName,
		auth: relayCredentials,
		authMethod: "LOGIN",
		tls: { ca: testCa, servername: "localhost" },
		...(pooled ? { pool: true, maxConnections: job.sessions, maxMessages: Number.POSITIVE_INFINITY } : {}),
	});
	const messages = jobMessages(job);
	const start = performance.now();
	try {
		const infos = await Promise.all(messages.map((message) => transport.sendMail(toMail(message))));
		return { ms: performance.now() - start, delivered: infos.filter((info) => info.accepted.length).length };
	} finally {
		transport.close();
	}
}
