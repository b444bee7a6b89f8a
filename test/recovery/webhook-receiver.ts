/**
 * The recovery test's webhook receiver (EVENTS_WEBHOOK_URL): takes the
 * worker's signed events on 127.0.0.1, verifies each with the official
 * `standardwebhooks` package, and keeps its id, type and ref, so the test
 * can count the distinct `message.*` webhook ids each record produced (a
 * redelivery under the same id is one webhook; a second id is a duplicate).
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import { Webhook } from "standardwebhooks";

export interface ReceivedEvent {
	webhookId: string;
	type: string;
	ref: string | null;
	verified: boolean;
}

export interface WebhookReceiver {
	url: string;
	secret: string;
	received: ReceivedEvent[];
	close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
	const secret = `whsec_${randomBytes(32).toString("base64")}`;
	const verifier = new Webhook(secret);
	const received: ReceivedEvent[] = [];
	const server = http.createServer(async (req, res) => {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const body = Buffer.concat(chunks).toString("utf8");
		const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
		let event: { type?: unknown; data?: { ref?: unknown } } = {};
		let verified = true;
		try {
			event = verifier.verify(body, headers) as typeof event;
		} catch {
			verified = false;
		}
		received.push({
			webhookId: headers["webhook-id"] ?? "",
			type: typeof event.type === "string" ? event.type : "(unreadable)",
			ref: typeof event.data?.ref === "string" ? event.data.ref : null,
			verified,
		});
		res.writeHead(verified ? 204 : 401).end();
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const address = server.address();
	const port = typeof address === "object" && address ? address.port : 0;
	return {
		url: `http://127.0.0.1:${port}/events`,
		secret,
		received,
		close: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
