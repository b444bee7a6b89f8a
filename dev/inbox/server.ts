/**
 * The dev inbox: a small HTTP server on 127.0.0.1 showing the outbox — the
 * list, each message (HTML in a sandboxed frame with its inline images, text,
 * parts to download, raw source), the delivery activity (the provider
 * callbacks the relay sent, the signed webhooks the worker sent out), the
 * worker's message records (each message's ref and status, and those not at
 * the relay yet) and a Server-Sent Events stream that tells the page when
 * any of them changes. With DEV_FALLBACK=1 it also takes the first relay down
 * and brings it back (POST /api/primary), to watch mail go by the second route.
 */
import { readFileSync } from "node:fs";
import http from "node:http";
import type { Activity, ActivityLog } from "../activity.ts";
import type { Outbox, StoredMessage } from "../outbox.ts";
import { MessageView } from "./message-view.ts";
import type { RecordsSnapshot, WorkerRecords } from "./records.ts";

const page = (name: string) => readFileSync(new URL(`./public/${name}`, import.meta.url));
const STATIC: Record<string, [string, string]> = {
	"/": ["index.html", "text/html; charset=utf-8"],
	"/inbox.css": ["inbox.css", "text/css; charset=utf-8"],
	"/inbox.js": ["inbox.js", "text/javascript; charset=utf-8"],
	"/dom.js": ["dom.js", "text/javascript; charset=utf-8"],
	"/status.js": ["status.js", "text/javascript; charset=utf-8"],
};

// Mail HTML runs with no scripts, no plugins, no forms and nothing fetched
// from outside the inbox: the CSP sandbox holds even when the frame is opened alone.
const MAIL_CSP =
	"sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; font-src 'self' data:; media-src 'self'";
// Parts are served from the inbox's origin: never let one run as a page.
const PART_CSP = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'";

/** The first relay's switch (DEV_FALLBACK=1 only). */
export interface PrimarySwitch {
	set(mode: "up" | "down"): Promise<void>;
	mode(): string;
}

export interface Inbox {
	url: string;
	close(): Promise<void>;
}

export async function startInbox(
	outbox: Outbox,
	activity: ActivityLog,
	records: WorkerRecords,
	primary?: PrimarySwitch,
): Promise<Inbox> {
	const view = new MessageView(outbox);
	const streams = new Set<http.ServerResponse>();

	const onMessage = async (stored: StoredMessage) => {
		const event = `event: message\ndata: ${JSON.stringify(await view.summary(stored))}\n\n`;
		for (const res of streams) res.write(event);
	};
	outbox.on("message", onMessage);
	const onActivity = (entry: Activity) => {
		const event = `event: activity\ndata: ${JSON.stringify(entry)}\n\n`;
		for (const res of streams) res.write(event);
	};
	activity.on("change", onActivity);
	const onRecords = (snapshot: RecordsSnapshot) => {
		const event = `event: records\ndata: ${JSON.stringify(snapshot)}\n\n`;
		for (const res of streams) res.write(event);
	};
	records.on("change", onRecords);

	const server = http.createServer(async (req, res) => {
		try {
			await route(req, res);
		} catch (error) {
			console.error("inbox:", error);
			if (!res.headersSent) send(res, 500, "text/plain; charset=utf-8", "inbox error\n");
			else res.end();
		}
	});

	const route = async (req: http.IncomingMessage, res: http.ServerResponse) => {
		// Only this machine's own pages may read the inbox (no DNS rebinding).
		const host = (req.headers.host ?? "").replace(/:\d+$/, "");
		if (host !== "127.0.0.1" && host !== "localhost") return send(res, 421, "text/plain", "wrong host\n");
		const url = new URL(req.url ?? "/", "http://inbox");
		const path = url.pathname;
		if (path === "/api/primary") return primarySwitch(req, res);
		if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain", "GET only\n");

		const file = STATIC[path];
		if (file) return send(res, 200, file[1], page(file[0]));
		if (path === "/events") return openStream(res);
		if (path === "/api/activity") return sendJson(res, activity.entries);
		if (path === "/api/records") return sendJson(res, records.snapshot);
		if (path === "/api/messages") {
			const summaries = await Promise.all(outbox.list().map((m) => view.summary(m)));
			return sendJson(res, summaries);
		}
		let m = /^\/api\/messages\/([^/]+)$/.exec(path);
		if (m) {
			const details = await view.details(decodeURIComponent(m[1]));
			return details ? sendJson(res, details) : notFound(res);
		}
		m = /^\/messages\/([^/]+)\/(html|raw|parts\/(\d+))$/.exec(path);
		if (!m) return notFound(res);
		const id = decodeURIComponent(m[1]);
		if (m[2] === "html") {
			const html = await view.html(id);
			if (html === undefined) return notFound(res);
			return send(res, 200, "text/html; charset=utf-8", html, { "content-security-policy": MAIL_CSP });
		}
		if (m[2] === "raw") {
			const raw = outbox.raw(id);
			if (!raw) return notFound(res);
			const headers = url.searchParams.has("download")
				? { "content-disposition": `attachment; filename="${id}.eml"` }
				: undefined;
			return send(
				res,
				200,
				url.searchParams.has("download") ? "message/rfc822" : "text/plain; charset=utf-8",
				raw,
				headers,
			);
		}
		const part = await view.part(id, Number(m[3]));
		if (!part) return notFound(res);
		const disposition = url.searchParams.has("download") ? "attachment" : "inline";
		const filename = encodeURIComponent(part.filename ?? `part-${m[3]}`);
		return send(res, 200, part.contentType, part.content, {
			"content-security-policy": PART_CSP,
			"content-disposition": `${disposition}; filename*=UTF-8''${filename}`,
		});
	};

	const primaryState = () => ({ switchable: Boolean(primary), mode: primary?.mode() ?? "up" });
	// A JSON body only: a page of another origin cannot send one without a preflight this server never answers.
	const primarySwitch = async (req: http.IncomingMessage, res: http.ServerResponse) => {
		if (req.method === "GET") return sendJson(res, primaryState());
		if (req.method !== "POST" || !primary) return send(res, 405, "text/plain", "not here\n");
		if (!req.headers["content-type"]?.startsWith("application/json"))
			return send(res, 415, "text/plain", "JSON only\n");
		let body = "";
		for await (const chunk of req) body += chunk;
		const mode = (JSON.parse(body || "{}") as { mode?: unknown }).mode;
		if (mode !== "up" && mode !== "down") return send(res, 400, "text/plain", 'mode must be "up" or "down"\n');
		await primary.set(mode);
		console.log(`relay    │ the first relay is ${mode === "down" ? "down (refusing connections)" : "back up"}`);
		const event = `event: primary\ndata: ${JSON.stringify(primaryState())}\n\n`;
		for (const stream of streams) stream.write(event);
		return sendJson(res, primaryState());
	};

	const openStream = (res: http.ServerResponse) => {
		res.writeHead(200, {
			"content-type": "text/event-stream",
			"cache-control": "no-store",
			connection: "keep-alive",
		});
		res.write("retry: 1000\n\n");
		streams.add(res);
		// The worker is asked for records only while a page is open.
		const unwatch = records.watch();
		res.on("close", () => {
			streams.delete(res);
			unwatch();
		});
	};

	await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
	const address = server.address();
	const port = typeof address === "object" && address ? address.port : 0;
	return {
		url: `http://127.0.0.1:${port}/`,
		close: async () => {
			outbox.off("message", onMessage);
			activity.off("change", onActivity);
			records.off("change", onRecords);
			for (const res of streams) res.end();
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		},
	};
}

function send(
	res: http.ServerResponse,
	status: number,
	type: string,
	body: string | Buffer,
	headers: Record<string, string> = {},
) {
	res.writeHead(status, {
		"content-type": type,
		"content-length": Buffer.byteLength(body),
		"cache-control": "no-store",
		"x-content-type-options": "nosniff",
		"referrer-policy": "no-referrer",
		...headers,
	});
	res.end(body);
}

const sendJson = (res: http.ServerResponse, value: unknown) =>
	send(res, 200, "application/json; charset=utf-8", JSON.stringify(value));
const notFound = (res: http.ServerResponse) => send(res, 404, "text/plain; charset=utf-8", "no such message\n");
