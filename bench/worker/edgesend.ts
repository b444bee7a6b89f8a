/**
 * edgesend's own parts, used the way its batch path uses them: one
 * SmtpSession per connection, every message composed by composeMessage and
 * handed to session.send() at once, so the session can pipeline them.
 */
import { composeMessage } from "../../src/mime/index.ts";
import { SmtpSession } from "../../src/smtp/index.ts";
import { toMessageInput } from "../lib/edgesend-input.ts";
import { deal, ehloName, jobMessages, relayCredentials, type SendJob, type SendResult } from "../lib/jobs.ts";

export async function sendWithEdgesend(job: SendJob): Promise<SendResult> {
	const groups = deal(jobMessages(job), job.sessions);
	const sessions: SmtpSession[] = [];
	const config = {
		host: "localhost",
		port: job.port,
		security: job.security,
		...relayCredentials,
		ehloName,
	} as const;
	let delivered = 0;
	const start = Date.now();
	try {
		await Promise.all(
			groups.map(async (group) => {
				const session = await SmtpSession.open(config);
				sessions.push(session);
				await Promise.all(
					group.map(async (message) => {
						const delivery = await session.send(composeMessage(toMessageInput(message)));
						delivered += delivery.accepted.length ? 1 : 0;
					}),
				);
			}),
		);
		return { ms: Date.now() - start, delivered };
	} finally {
		await Promise.all(sessions.map((session) => session.close().catch(() => {})));
	}
}
