/**
 * What the scale bench's paths share to drive the Worker as a user would:
 * the message each path sends, sends with their answers checked, and the
 * waits on what the relay and the webhook receiver have seen.
 */
import { callersWave } from "./callers.ts";
import type { ScaleApp } from "./scale-app.ts";

export const PATHS = ["sync", "batch", "async", "lifecycle", "scheduled"] as const;
export type PathName = (typeof PATHS)[number];

/** Requests in flight at once (a busy application's load; the counts do not depend on it). */
export const CALLERS = 8;

export const sendBody = (path: PathName, i: number) => ({
	from: "Shop <shop@bench.edgesend.test>",
	// A recipient of its own per message, as real traffic has: suppression lookups spread by address.
	to: [`${path}-${i}@rcpt.bench.edgesend.test`],
	subject: `scale ${path} ${i}`,
	text: `Receipt ${i}: your order is on its way.`,
	html: `<p>Receipt ${i}: your order is on its way.</p>`,
});

export function expectStatus(what: string, status: number, answer: unknown, want: number): void {
	if (status !== want)
		throw new Error(`${what} answered ${status}, not ${want}: ${JSON.stringify(answer).slice(0, 300)}`);
}

export function refOf(what: string, answer: Record<string, unknown>): string {
	if (typeof answer.ref !== "string")
		throw new Error(`${what} answered no ref: ${JSON.stringify(answer).slice(0, 300)}`);
	return answer.ref;
}

/**
 * Sends `first` … `first + count − 1` to POST /v1/send: sync (200), `Prefer:
 * respond-async` (202), or with a `sendAt` from `extra` (202). Their refs, in order.
 */
export async function sendEach(
	app: ScaleApp,
	path: PathName,
	first: number,
	count: number,
	how: "sync" | "async" | "sendAt",
	extra = (_i: number) => ({}),
): Promise<string[]> {
	const refs: string[] = [];
	await callersWave(CALLERS, count, async (k) => {
		const i = first + k;
		const { status, answer } = await app.call(
			"POST",
			"/v1/send",
			{ ...sendBody(path, i), ...extra(i) },
			how === "async" ? { prefer: "respond-async" } : {},
		);
		expectStatus(`${path} send ${i}`, status, answer, how === "sync" ? 200 : 202);
		refs[k] = refOf(`${path} send ${i}`, answer);
	});
	return refs;
}

export const webhookTypes = (app: ScaleApp): Record<string, number> => {
	const types: Record<string, number> = {};
	for (const request of app.receiver?.requests ?? []) {
		const type = String((JSON.parse(request.body) as { type?: unknown }).type);
		types[type] = (types[type] ?? 0) + 1;
	}
	return types;
};

export const relayHas = (app: ScaleApp, n: number) => () => app.link.relay.messages.length >= n;
export const webhooksOf = (app: ScaleApp, type: string, n: number) => () => (webhookTypes(app)[type] ?? 0) >= n;
