/**
 * Calling the API from the reliability suites: the app with the suite's
 * bindings plus per-test settings (a relay of the test's own, a small
 * timeout, another api_user…), waiting for its background work (QUIT, socket
 * closes) before the answer is examined; and reading answers back.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Bindings } from "../../../src/api/types";
import { createApp } from "../../../src/app";

export const API_KEY = "test-key-1";
export const jsonHeaders = { Authorization: `Bearer ${API_KEY}`, "Content-Type": "application/json" };

export type Overrides = Partial<Record<keyof Bindings, string>>;

/** One request through a fresh app; resolves once the request's background work is done too. */
export async function callApi(path: string, init: RequestInit, overrides: Overrides = {}): Promise<Response> {
	const ctx = createExecutionContext();
	const bindings = { ...(env as unknown as Bindings), ...overrides };
	const response = await createApp().fetch(new Request(`https://edgesend.test${path}`, init), bindings, ctx);
	await waitOnExecutionContext(ctx);
	return response;
}

/** POSTs `body` (serialised unless already a string) with the suite's API key. */
export const postJson = (path: string, body: unknown, overrides: Overrides = {}) =>
	callApi(
		path,
		{ method: "POST", headers: jsonHeaders, body: typeof body === "string" ? body : JSON.stringify(body) },
		overrides,
	);

/** Settings pointing the app at a relay of the test's own. */
export const relaySettings = (port: number, security: string, extra: Overrides = {}): Overrides => ({
	SMTP_HOST: "localhost",
	SMTP_PORT: String(port),
	SMTP_SECURITY: security,
	...extra,
});

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

export interface SentBody {
	id: string;
	messageId: string;
	accepted: string[];
	rejected: { address: string; code: number }[];
}

/** Reads a problem answer, failing when the answer is not one. */
export async function problemOf(response: Response): Promise<ProblemBody> {
	const type = response.headers.get("Content-Type");
	if (type !== "application/problem+json") {
		throw new Error(`not a problem: ${response.status} ${type} ${await response.text()}`);
	}
	return (await response.json()) as ProblemBody;
}

let serial = 0;
/** A tag no other request uses, to find a message again at a shared relay. */
export const uniqueTag = (label: string) => `${label}-${++serial}-${crypto.randomUUID().slice(0, 8)}`;
