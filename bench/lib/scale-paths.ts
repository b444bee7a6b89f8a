/**
 * The scale bench's paths, each through edgesend's real Worker as a user
 * would drive it (lib/scale-app.ts): sync sends, batches of 100, async sends
 * through the real queue consumer, the lifecycle (async with webhooks on,
 * then one signed `delivered` callback per message and its webhook) and
 * scheduled sends. Each path runs in two rounds of about half its messages:
 * the first meets a cold isolate (what it does once: the directory's note of
 * each shard, the limiter's and pool's first calls), the second a warm one,
 * whose counts are the path's figures. A round waits for what a user would
 * see (answers, the relay's copies, the webhooks), then for the counts to
 * stop moving; at the end every record is checked final and every message
 * at the relay once.
 */
import type { Stats } from "../counting/registry.ts";
import { callersWave } from "./callers.ts";
import { type ScaleApp, type Sizes, settledStats, waitFor } from "./scale-app.ts";
import { lifecycleRound } from "./scale-lifecycle.ts";
import { subtractStats } from "./scale-model.ts";
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
import type { RoundSizes } from "./scale-storage.ts";

export { PATHS, type PathName };

const BATCH_SIZE = 100;
/** How far ahead a scheduled send asks to go out. */
export const SCHEDULE_AHEAD_MS = 10_000;

export interface PathRun {
	path: PathName;
	/** Messages in the second round: what the counts are per. */
	messages: number;
	/** The second round's counts (a warm isolate). */
	stats: Stats;
	/** The first round's counts and messages (a cold isolate). */
	cold: { stats: Stats; messages: number };
	/** The lifecycle's second round in its two parts: accept → final with its webhook, the callback with its webhook. */
	parts?: { accept: Stats; callbacks: Stats };
	/** The lifecycle's SQLite sizes around its second round. */
	sizes?: RoundSizes;
	/** Webhooks the receiver got, by type. */
	webhooks: Record<string, number>;
	/** From the first request until the counts settled. */
	ms: number;
	/** One line on what was checked. */
	checked: string;
}

async function sendBatches(app: ScaleApp, from: number, n: number): Promise<string[]> {
	const refs: string[] = [];
	for (let first = from; first < from + n; first += BATCH_SIZE) {
		const count = Math.min(BATCH_SIZE, from + n - first);
		const messages = Array.from({ length: count }, (_, k) => sendBody("batch", first + k));
		const { status, answer } = await app.call("POST", "/v1/batch", { messages });
		expectStatus(`batch from ${first}`, status, answer, 200);
		const results = answer.results as Record<string, unknown>[];
		results.forEach((result, k) => {
			expectStatus(`batch message ${first + k}`, result.status as number, result, 200);
			refs.push(refOf(`batch message ${first + k}`, result));
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

/** What one round of a path leaves besides its refs: the lifecycle's counts and sizes between its parts. */
interface Round {
	refs: string[];
	accepted?: Stats;
	acceptedSizes?: Sizes;
}

/** When each scheduled message asked to go out, by index. */
const sendAt = new Map<number, number>();

async function round(app: ScaleApp, path: PathName, first: number, count: number): Promise<Round> {
	const end = first + count;
	if (path === "sync") return { refs: await sendEach(app, path, first, count, "sync") };
	if (path === "batch") return { refs: await sendBatches(app, first, count) };
	if (path === "lifecycle") return lifecycleRound(app, first, count);
	const refs =
		path === "async"
			? await sendEach(app, path, first, count, "async")
			: await sendEach(app, path, first, count, "sendAt", (i) => {
					sendAt.set(i, Date.now() + SCHEDULE_AHEAD_MS);
					return { sendAt: new Date(sendAt.get(i) as number).toISOString() };
				});
	await waitFor(`${end} messages at the relay`, relayHas(app, end), 180_000 + SCHEDULE_AHEAD_MS);
	return { refs };
}

/** Scheduled messages that reached the relay more than a second before their sendAt. */
function early(app: ScaleApp): number {
	return app.link.relay.messages.filter((m) => {
		const i = Number(/^Subject: scale scheduled (\d+)$/m.exec(m.data)?.[1]);
		return m.receivedAt < (sendAt.get(i) ?? 0) - 1000;
	}).length;
}

/** One path, `n` messages in two rounds, on a fresh start of the Worker (`app`). */
export async function runPath(app: ScaleApp, path: PathName, n: number): Promise<PathRun> {
	const start = performance.now();
	// A batch round is whole calls of 100; every other round about half the messages.
	const split = path === "batch" ? Math.min(n, Math.ceil(n / 2 / BATCH_SIZE) * BATCH_SIZE) : Math.ceil(n / 2);
	const rounds = [
		{ first: 0, count: split },
		{ first: split, count: n - split },
	].filter((r) => r.count > 0);
	const refs: string[] = [];
	const empty = await app.stats();
	const snapshots: { stats: Stats; sizes?: Sizes; round: Round; count: number }[] = [];
	for (const { first, count } of rounds) {
		const done = await round(app, path, first, count);
		refs.push(...done.refs);
		const stats = await settledStats(app);
		snapshots.push({ stats, sizes: path === "lifecycle" ? await app.sizes() : undefined, round: done, count });
	}
	const ms = performance.now() - start;
	const [one, two] = snapshots;
	// With one round only (too few messages to halve), that round is both.
	const warm = two ?? one;
	const before = two ? one : { stats: empty, sizes: undefined };
	const stats = subtractStats(warm.stats, before.stats);
	let parts: PathRun["parts"];
	let sizes: RoundSizes | undefined;
	if (warm.round.accepted && warm.round.acceptedSizes && warm.sizes) {
		parts = {
			accept: subtractStats(warm.round.accepted, before.stats),
			callbacks: subtractStats(warm.stats, warm.round.accepted),
		};
		if (before.sizes)
			sizes = {
				roundStart: before.sizes,
				afterAccept: warm.round.acceptedSizes,
				end: warm.sizes,
				messages: warm.count,
			};
	}
	checkRelay(app, path, n);
	const want = path === "lifecycle" ? "delivered" : "sent";
	await checkFinal(app, path, refs, want);
	let checked = `${n} answers, ${n} messages at the relay once each, ${n} records "${want}"`;
	if (path === "lifecycle") checked += `, ${n} message.sent and ${n} message.delivered webhooks`;
	if (path === "scheduled") {
		const soon = early(app);
		if (soon) throw new Error(`scheduled: ${soon} messages reached the relay more than 1 s before their sendAt`);
		checked += `, none early (sendAt ${SCHEDULE_AHEAD_MS / 1000} s ahead)`;
	}
	return {
		path,
		messages: warm.count,
		stats,
		cold: { stats: one.stats, messages: one.count },
		parts,
		sizes,
		webhooks: webhookTypes(app),
		ms,
		checked,
	};
}
