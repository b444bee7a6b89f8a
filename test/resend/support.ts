/**
 * Drives the Worker with the official `resend` SDK from inside workerd. The
 * SDK sends every call with the global `fetch` to `baseUrl + path` and takes
 * no fetch of its own, so each client gets a base URL of its own
 * (`https://resend-<n>.edgesend.test`), and while a test file runs, the
 * global fetch hands requests for those origins to the app (with that
 * client's settings, as `call` does) and everything else to the real fetch.
 * Nothing below the app is replaced: the app composes and sends over SMTP to
 * the suite's relays as in every other test.
 */
import { Resend } from "resend";
import { afterAll, beforeAll } from "vitest";
import { API_KEY, call, type Overrides } from "../api/support";

const clients = new Map<string, Overrides>();
let realFetch: typeof fetch | undefined;

async function routed(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
	const request = new Request(input, init);
	const url = new URL(request.url);
	const overrides = clients.get(url.origin);
	if (!overrides || !realFetch) return (realFetch ?? fetch)(input, init);
	const body = request.method === "GET" || request.method === "HEAD" ? undefined : await request.arrayBuffer();
	return call(`${url.pathname}${url.search}`, { method: request.method, headers: request.headers, body }, overrides);
}

/** Routes the SDK's calls to the app for this test file (call at the top of the file). */
export function routeResendSdk(): void {
	beforeAll(() => {
		realFetch = globalThis.fetch;
		globalThis.fetch = routed as typeof fetch;
	});
	afterAll(() => {
		if (realFetch) globalThis.fetch = realFetch;
		realFetch = undefined;
		clients.clear();
	});
}

/** A `resend` client whose calls reach the app with the suite's bindings plus `overrides`. */
export function resendClient(overrides: Overrides = {}, key = API_KEY): Resend {
	const baseUrl = `https://resend-${clients.size + 1}.edgesend.test`;
	clients.set(baseUrl, overrides);
	return new Resend(key, { baseUrl });
}
