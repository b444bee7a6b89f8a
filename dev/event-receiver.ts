/**
 * The webhook receiver `npm run dev` starts when EVENTS_WEBHOOK_URL is unset:
 * takes the worker's signed events on 127.0.0.1, verifies each with the
 * official `standardwebhooks` package, and logs it (verified or not) for the
 * inbox page.
 */
import { randomBytes } from "node:crypto";
import http from "node:http";
import { Webhook } from "standardwebhooks";
import type { ActivityLog } from "./activity.ts";

export interface EventReceiver {
	url: string;
	secret: string;
	close(): Promise<void>;
}

export async function startEventReceiver(activity: ActivityLog): Promise<EventReceiver> {
	// A fresh secret each run: nothing outside this machine knows it.
	const secret = `whsec_${randomBytes(32).toString("base64")}`;
	const verifier = new Webhook(secret);
	const server = http.createServer(async (req, res) => {
		if (req.method !== "POST") return void res.writeHead(405).end();
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const body = Buffer.concat(chunks).toString("utf8");
		const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
		let verified = true;
		let error: string | undefined;
		try {
			verifier.verify(body, headers);
		} catch (e) {
			verified = false;
			error = e instanceof Error ? e.message : String(e);
		}
		let event: { type?: string; timestamp?: string; data?: Record<string, string | null> } = {};
		try {
			event = JSON.parse(body);
		} catch {
			verified = false;
			error ??= "body is not JSON";
		}
		activity.add({
			kind: "webhook",
			webhookId: headers["webhook-id"] ?? "",
			type: event.type ?? "(unknown)",
			ref: event.data?.ref ?? null,
			relayId: event.data?.relayId ?? null,
			to: event.data?.to ?? null,
			detail: event.data?.detail ?? null,
			at: new Date().toISOString(),
			verified,
			...(error ? { error } : {}),
		});
		res.writeHead(verified ? 204 : 401).end();
	});
	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const address = server.address();
	const port = typeof address === "object" && address ? address.port : 0;
	return {
		url: `http://127.0.0.1:${port}/events`,
		secret,
		close: async () => {
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}
