/**
 * What the API tests share: calling the app with per-test settings (a relay of
 * the test's own, a smaller size limit, public keys…) or through the real
 * Worker entry, credentials, a message builder, and reading delivered mail
 * back with postal-mime.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import PostalMime, { type Email } from "postal-mime";
import { createApp } from "../../src/app";
import type { Bindings } from "../../src/env";
import { messageBytes, type RecordedMessage } from "../helpers/relay";

export const BASE = "https://edgesend.test";
export const API_KEY = "edgesend-test-key-1";
export const auth = { Authorization: `Bearer ${API_KEY}`, "Content-Type": "application/json" };

/** The suite's bindings, typed as the app reads them. */
export const baseEnv = env as unknown as Bindings & { CONTROL_URL: string };

/** Settings as strings; a binding may be swapped for a stand-in that fails on purpose (the crash tests). */
export type Overrides = { [K in keyof Bindings]?: string | Bindings[K] };

/** Calls a fresh app with the suite's bindings plus `overrides`, and waits for its background work. */
export async function call(path: string, init: RequestInit = {}, overrides: Overrides = {}): Promise<Response> {
	const ctx = createExecutionContext();
	const response = await createApp().fetch(new Request(`${BASE}${path}`, init), { ...baseEnv, ...overrides }, ctx);
	await waitOnExecutionContext(ctx);
	return response;
}

/** Calls the deployed entry point (src/index.ts) with the suite's own bindings. */
export const callEntry = (path: string, init: RequestInit = {}): Promise<Response> =>
	(exports as unknown as { default: Fetcher }).default.fetch(new Request(`${BASE}${path}`, init));

/** POST `body` as JSON with the test API key. */
export const post = (path: string, body: unknown, overrides: Overrides = {}, headers: HeadersInit = {}) =>
	call(path, { method: "POST", headers: { ...auth, ...headers }, body: JSON.stringify(body) }, overrides);

/** Settings that point the app at a relay of the test's own (plain STARTTLS relay by default). */
export const relayAt = (port: number, extra: Overrides = {}): Overrides => ({ SMTP_PORT: String(port), ...extra });

/** A small valid message; `tag` makes it easy to find at a shared relay. */
export const message = (tag: string, extra: Record<string, unknown> = {}) => ({
	from: "Support <support@example.com>",
	to: ["ben@example.com"],
	subject: `test ${tag}`,
	text: `hello ${tag}`,
	...extra,
});

export const parse = (m: RecordedMessage): Promise<Email> => PostalMime.parse(messageBytes(m));

export interface ProblemBody {
	type: string;
	title: string;
	status: number;
	detail: string;
	code: string;
	errors?: { path: string; message: string }[];
	smtp?: { stage: string; code?: number; enhancedCode?: string; reply?: string };
	rejected?: { address: string; code: number }[];
	retryAfter?: number;
}

/** Reads a problem answer, checking it is one. */
export async function problemOf(response: Response): Promise<ProblemBody> {
	if (response.headers.get("Content-Type") !== "application/problem+json") {
		throw new Error(
			`not a problem: ${response.status} ${response.headers.get("Content-Type")} ${await response.text()}`,
		);
	}
	return (await response.json()) as ProblemBody;
}

export const base64 = (bytes: Uint8Array): string => btoa(String.fromCharCode(...bytes));

/** An HTTPS server (test CA, `localhost`) in the Node process, serving `files` for `url` attachments. */
export async function serveFiles(
	files: Record<string, { base64: string; type?: string; status?: number; location?: string }>,
) {
	const control = (path: string, init?: RequestInit) => fetch(`${baseEnv.CONTROL_URL}${path}`, init);
	const { port } = (await (await control("/files", { method: "POST", body: JSON.stringify(files) })).json()) as {
		port: number;
	};
	return {
		url: (path: string) => `https://localhost:${port}${path}`,
		requests: async () => ((await (await control(`/files/${port}`)).json()) as { requests: string[] }).requests,
		stop: async () => {
			await control(`/files/${port}`, { method: "DELETE" });
		},
	};
}
