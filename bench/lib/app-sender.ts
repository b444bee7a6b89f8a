/**
 * edgesend's whole Worker (src/index.ts) in workerd, driven through its public
 * API: POST /v1/batch with up to 100 messages a call, as a user would. This is
 * the "/v1/batch path": validation, the rate limiter, composition and
 * the session plan (up to six sessions per call) all included.
 */
import { ehloName, jobMessages, relayCredentials } from "./jobs.ts";
import type { Link } from "./senders.ts";
import { startWorker, type WorkerHandle } from "./workerd.ts";

export const apiKey = "edgesend-bench-api-key";
/** The API's own cap per call. */
const BATCH_MAX = 100;

/** The Worker's settings for sending to `link`'s relay (the production default limit unless told). */
export const appBindings = (link: Link, perMinute = 30_000): Record<string, string> => ({
	SMTP_HOST: "localhost",
	SMTP_PORT: String(link.proxy.port),
	SMTP_SECURITY: link.security,
	SMTP_USER: relayCredentials.user,
	SMTP_PASS: relayCredentials.pass,
	EHLO_NAME: ehloName,
	API_KEYS: apiKey,
	RATE_LIMIT_PER_MINUTE: String(perMinute),
});

export function startApp(scriptPath: string, link: Link): Promise<WorkerHandle> {
	return startWorker({
		scriptPath,
		bindings: appBindings(link),
		durableObjects: { RATE_LIMITER: "RateLimiter", IDEMPOTENCY: "IdempotencyStore" },
	});
}

interface BatchAnswer {
	results: { status: number; title?: string; detail?: string }[];
}

/** Sends `messages` batch messages in calls of 100, one call after another; wall time from Node. */
export async function sendThroughApp(
	app: WorkerHandle,
	link: Link,
	messages: number,
): Promise<{ ms: number; meanBytes: number }> {
	const all = jobMessages({ kind: "batch", messages, recipients: 1, sessions: 1, port: 0, security: "starttls" });
	link.relay.reset();
	const start = performance.now();
	for (let i = 0; i < all.length; i += BATCH_MAX) {
		const chunk = all
			.slice(i, i + BATCH_MAX)
			.map(({ from, to, subject, text, html }) => ({ from, to, subject, text, html }));
		const answer = await app.post<BatchAnswer>("/v1/batch", { messages: chunk }, { authorization: `Bearer ${apiKey}` });
		const failed = answer.results.find((r) => r.status !== 200);
		if (failed) throw new Error(`/v1/batch: a message failed: ${failed.status} ${failed.title}: ${failed.detail}`);
	}
	const ms = performance.now() - start;
	if (link.relay.messages.length !== messages) {
		throw new Error(`/v1/batch: relay received ${link.relay.messages.length} of ${messages} messages`);
	}
	const meanBytes = link.relay.messages.reduce((sum, m) => sum + m.data.length, 0) / messages;
	return { ms, meanBytes };
}
