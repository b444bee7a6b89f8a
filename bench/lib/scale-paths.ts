/**
 * The scale bench's paths, each through edgesend's real Worker as a user
 * would drive it (lib/scale-app.ts): sync sends, batches of 100, async sends
 * through the real queue consumer, the lifecycle (async with webhooks on,
 * then one signed `delivered` callback per message and its webhook) and
 * scheduled sends. Each path waits for what a user would see (answers, the
 * relay's copies, the webhooks), then for the counts to stop moving, then
 * checks every record is final and every message reached the relay once.
 */
import type { Stats } from "../counting/registry.ts";
import { callersWave } from "./callers.ts";
import { type ScaleApp, settledStats, waitFor } from "./scale-app.ts";

export const PATHS = ["sync", "batch", "async", "lifecycle", "scheduled"] as const;
export type PathName = (typeof PATHS)[number];

/** Requests in flight at once (a busy application's load; the counts do not depend on it). */
const CALLERS = 8;
const BATCH_SIZE = 100;
/** How far ahead a scheduled send asks to go out. */
export const SCHEDULE_AHEAD_MS = 10_000;

export interface PathRun {
	path: PathName;
	messages: number;
	/** Counts at the end of the path. */
	stats: Stats;
	/** The lifecycle's counts once every message was final and its webhook out, before the callbacks. */
	beforeCallbacks?: Stats;
	/** Webhooks the receiver got, by type. */
	webhooks: Record<string, number>;
	/** From the first request until the counts settled. */
	ms: number;
	/** One line on what was checked. */
	checked: string;
}

const body = (path: PathName, i: number) => ({
	from: "Shop <shop@bench.edgesend.test>",
	// A recipient of its own per message, as real traffic has: suppression lookups spread by address.
	to: [`${path}-${i}@rcpt.bench.edgesend.test`],
	subject: `scale ${path} ${i}`,
	text: `Receipt ${i}: your order is on its way.`,
	html: `<p>Receipt ${i}: your order is on its way.</p>`,
});

function expectStatus(what: string, status: number, answer: unknown, want: number): void {
	if (status !== want)
		throw new Error(`${what} answered ${status}, not ${want}: ${JSON.stringify(answer).slice(0, 300)}`);
}

function refOf(what: string, answer: Record<string, unknown>): string {
	if (typeof answer.ref !== "string")
		throw new Error(`${what} answered no ref: ${JSON.stringify(answer).slice(0, 300)}`);
	return answer.ref;
}

/** `n` sends to POST /v1/send: sync (200), `Prefer: respond-async` (202), or with a `sendAt` from `extra` (202). */
async function sendEach(
	app: ScaleApp,
	path: PathName,
	n: number,
	how: "sync" | "async" | "sendAt",
	extra = (_i: number) => ({}),
) {
	const refs: string[] = [];
	await callersWave(CALLERS, n, async (i) => {
		const { status, answer } = await app.call(
			"POST",
			"/v1/send",
			{ ...body(path, i), ...extra(i) },
			how === "async" ? { prefer: "respond-async" } : {},
		);
		expectStatus(`${path} send ${i}`, status, answer, how === "sync" ? 200 : 202);
		refs[i] = refOf(`${path} send ${i}`, answer);
	});
	return refs;
}

async function sendBatches(app: ScaleApp, n: number): Promise<string[]> {
	const refs: string[] = [];
	for (let first = 0; first < n; first += BATCH_SIZE) {
		const count = Math.min(BATCH_SIZE, n - first);
		const messages = Array.from({ length: count }, (_, k) => body("batch", first + k));
		const { status, answer } = await app.call("POST", "/v1/batch", { messages });
		expectStatus(`batch from ${first}`, status, answer, 200);
		const results = answer.results as Record<string, unknown>[];
		results.forEach((result, k) => {
			expectStatus(`batch message ${first + k}`, result.status as number, result, 200);
			refs[first + k] = refOf(`batch message ${first + k}`, result);
		});
	}
	return refs;
}

const webhookTypes = (app: ScaleApp): Record<string, number> => {
	const types: Record<string, number> = {};
	for (const request of app.receiver?.requests ?? []) {
		const type = String((JSON.parse(request.body) as { type?: unknown }).type);
		types[type] = (types[type] ?? 0) + 1;
	}
	return types;
};

/** Every message at the relay exactly once (told apart by subject). */
function checkRelay(app: ScaleApp, path: PathName, n: number): void {
	const subjects = app.link.relay.messages.map((m) => /^Subject: (.*)$/m.exec(m.data)?.[1]);
	const distinct = new Set(subjects);
	if (subjects.length !== n || distinct.size !== n)
		throw new Error(`${path}: the relay has ${subjects.length} messages, ${distinct.size} distinct, for ${n} sent`);
}

/** Every record in its final status, read after the counts were taken (the reads are not in them). */
async function checkFinal(app: ScaleApp, path: PathName, refs: string[], want: string): Promise<void> {
	const wrong: string[] = [];
	await callersWave(CALLERS, refs.length, async (i) => {
		const { status, answer } = await app.call("GET", `/v1/messages/${refs[i]}`);
		if (status !== 200 || answer.status !== want) wrong.push(`${refs[i]}: ${status} ${answer.status ?? ""}`);
	});
	if (wrong.length)
		throw new Error(`${path}: ${wrong.length} records not ${want}, e.g. ${wrong.slice(0, 3).join("; ")}`);
}

const relayHas = (app: ScaleApp, n: number) => () => app.link.relay.messages.length >= n;
const webhooksOf = (app: ScaleApp, type: string, n: number) => () => (webhookTypes(app)[type] ?? 0) >= n;

/** One path, `n` messages, on a fresh start of the Worker (`app`). */
export async function runPath(app: ScaleApp, path: PathName, n: number): Promise<PathRun> {
	const start = performance.now();
	let refs: string[];
	let beforeCallbacks: Stats | undefined;
	let want = "sent";
	let checked = `${n} answers, ${n} messages at the relay once each, ${n} records "sent"`;
	if (path === "sync") refs = await sendEach(app, path, n, "sync");
	else if (path === "batch") refs = await sendBatches(app, n);
	else if (path === "async") {
		refs = await sendEach(app, path, n, "async");
		await waitFor(`${n} messages at the relay`, relayHas(app, n));
	} else if (path === "scheduled") {
		const sendAt = new Map<number, number>();
		refs = await sendEach(app, path, n, "sendAt", (i) => {
			sendAt.set(i, Date.now() + SCHEDULE_AHEAD_MS);
			return { sendAt: new Date(sendAt.get(i) as number).toISOString() };
		});
		await waitFor(`${n} messages at the relay`, relayHas(app, n), 180_000 + SCHEDULE_AHEAD_MS);
		const early = app.link.relay.messages.filter((m) => {
			const i = Number(/^Subject: scale scheduled (\d+)$/m.exec(m.data)?.[1]);
			return m.receivedAt < (sendAt.get(i) ?? 0) - 1000;
		}).length;
		if (early) throw new Error(`scheduled: ${early} messages reached the relay more than 1 s before their sendAt`);
		checked += `, none early (sendAt ${SCHEDULE_AHEAD_MS / 1000} s ahead)`;
	} else {
		refs = await sendEach(app, path, n, "async");
		await waitFor(`${n} messages at the relay`, relayHas(app, n));
		await waitFor(`${n} message.sent webhooks`, webhooksOf(app, "message.sent", n));
		beforeCallbacks = await settledStats(app);
		const delivered = [...app.link.relay.messages];
		await callersWave(CALLERS, delivered.length, async (i) => {
			const m = delivered[i];
			const { status, answer } = await app.callback(deliveredCallback(m.queueId, m.rcptTo[0]));
			expectStatus(`callback ${i}`, status, answer, 200);
		});
		await waitFor(`${n} message.delivered webhooks`, webhooksOf(app, "message.delivered", n));
		want = "delivered";
		checked = `${n} answers, ${n} messages at the relay once each, ${n} message.sent and ${n} message.delivered webhooks, ${n} records "delivered"`;
	}
	const stats = await settledStats(app);
	const ms = performance.now() - start;
	checkRelay(app, path, n);
	await checkFinal(app, path, refs, want);
	return { path, messages: n, stats, beforeCallbacks, webhooks: webhookTypes(app), ms, checked };
}

/** The provider's `delivered` status callback for one message (EngageLab's shape). */
function deliveredCallback(relayId: string, recipient: string) {
	return {
		server: "email",
		message_id: relayId,
		itime: Date.now(),
		status: {
			message_status: "delivered",
			status_data: { email_id: `${relayId}0$${recipient}`, task_id: "-1", api_user: "api_user", message: "250 ok" },
		},
		custom_args: {},
	};
}
