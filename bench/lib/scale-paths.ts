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
import { type LifecycleParts, runLifecycle } from "./scale-lifecycle.ts";
import type { RoundSizes } from "./scale-model.ts";
import {
	CALLERS,
	expectStatus,
	PATHS,
	type PathName,
	refOf,
	relayHas,
	sendBody,
	sendEach,
	webhookTypes,
} from "./scale-sends.ts";

export { PATHS, type PathName };

const BATCH_SIZE = 100;
/** How far ahead a scheduled send asks to go out. */
export const SCHEDULE_AHEAD_MS = 10_000;

export interface PathRun {
	path: PathName;
	messages: number;
	/** Counts at the end of the path. */
	stats: Stats;
	/** The lifecycle's counts in its two parts: accept → final with its webhook, and the callback with its webhook. */
	parts?: LifecycleParts;
	/** The lifecycle's SQLite sizes around its second round. */
	sizes?: RoundSizes;
	/** Webhooks the receiver got, by type. */
	webhooks: Record<string, number>;
	/** From the first request until the counts settled. */
	ms: number;
	/** One line on what was checked. */
	checked: string;
}

async function sendBatches(app: ScaleApp, n: number): Promise<string[]> {
	const refs: string[] = [];
	for (let first = 0; first < n; first += BATCH_SIZE) {
		const count = Math.min(BATCH_SIZE, n - first);
		const messages = Array.from({ length: count }, (_, k) => sendBody("batch", first + k));
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

/** One path, `n` messages, on a fresh start of the Worker (`app`). */
export async function runPath(app: ScaleApp, path: PathName, n: number): Promise<PathRun> {
	const start = performance.now();
	let refs: string[];
	let parts: PathRun["parts"];
	let sizes: PathRun["sizes"];
	let want = "sent";
	let checked = `${n} answers, ${n} messages at the relay once each, ${n} records "sent"`;
	if (path === "sync") refs = await sendEach(app, path, 0, n, "sync");
	else if (path === "batch") refs = await sendBatches(app, n);
	else if (path === "async") {
		refs = await sendEach(app, path, 0, n, "async");
		await waitFor(`${n} messages at the relay`, relayHas(app, n));
	} else if (path === "scheduled") {
		const sendAt = new Map<number, number>();
		refs = await sendEach(app, path, 0, n, "sendAt", (i) => {
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
		const lifecycle = await runLifecycle(app, n);
		refs = lifecycle.refs;
		parts = lifecycle.parts;
		sizes = lifecycle.sizes;
		want = "delivered";
		checked = `${n} answers, ${n} messages at the relay once each, ${n} message.sent and ${n} message.delivered webhooks, ${n} records "delivered"`;
	}
	const stats = await settledStats(app);
	const ms = performance.now() - start;
	checkRelay(app, path, n);
	await checkFinal(app, path, refs, want);
	return { path, messages: n, stats, parts, sizes, webhooks: webhookTypes(app), ms, checked };
}
