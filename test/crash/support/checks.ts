/**
 * What the crash test holds every run to, read from the real places once the
 * run is quiet: the records in their shards, what the run's relay received,
 * the webhooks its receiver was posted, and the api_user's limiter. Answers
 * the problems found (empty: the run kept every promise) and the facts the
 * next runs compare with (how long each message took to end final).
 */
import { env } from "cloudflare:workers";
import { RateBudget } from "../../../src/limit";
import { extractRelayId } from "../../../src/smtp/relay-id";
import { placeOf, shardName } from "../../../src/store/ref";
import { LEASE_MS, SWEEP_AFTER_MS } from "../../../src/store/timing";
import type { MessageEvent, MessageRecord } from "../../../src/store/types";
import { baseEnv } from "../../api/support";
import type { FaultMessage } from "../../fixtures/fault-types";
import type { Callback } from "./provider";
import type { CrashRun } from "./run";
import { RATE_LIMIT, TICK_MS } from "./run";
import { OWN_FINAL, type Post, webhookProblems } from "./webhooks";

/** What the client made of the answers it got, message by message (by its index in the request). */
export type Told =
	/** A 202 (or a batch item) named this ref. */
	| { kind: "accepted"; ref: string }
	/** An answer said it failed (with this status or problem code): the client may send it again. */
	| { kind: "refused"; why: string }
	/** No answer (the invocation died): the client cannot know. */
	| { kind: "unknown" };

/** A final record of the run, with its index in the client's request. */
export interface Ended {
	index: number;
	record: MessageRecord;
	events: MessageEvent[];
	/** From when it was due (accepted, or its sendAt) to its first final status, on the run's clock. */
	tookMs: number;
}

/** Final statuses after which a message need not have reached every recipient. */
const MAY_MISS = new Set(["failed", "canceled", "unknown"]);
const WAITING = new Set(["queued", "scheduled", "sending"]);

/** The slack the sweep allows past the happy run's time: a lease, the sweep's threshold and its minute. */
export const FINAL_BOUND_MS = LEASE_MS + SWEEP_AFTER_MS + TICK_MS;

async function recordOf(ref: string) {
	const place = placeOf(ref);
	if (!place) throw new Error(`not a ref: ${ref}`);
	return env.MESSAGES.getByName(shardName(place)).get(ref);
}

/**
 * Whether the run has nothing left open: records final, webhooks settled,
 * relay ids indexed, spool deleted, and no provider event of its relay ids
 * still held in the relay index or its webhook unsettled there.
 */
export async function isQuiet(run: CrashRun): Promise<boolean> {
	const refs = run.refs();
	const list = refs.map(() => "?").join(", ");
	for (const name of refs.length ? run.objectsOf("MESSAGES") : []) {
		const [open] = await run.sql<{ n: number }>(
			"MESSAGES",
			name,
			`SELECT (SELECT COUNT(*) FROM messages WHERE ref IN (${list}) AND (status IN ('queued', 'scheduled', 'sending') OR spooled = 1))
			 + (SELECT COUNT(*) FROM outbox WHERE stream IN (${list}) AND status IN ('pending', 'sending'))
			 + (SELECT COUNT(*) FROM relay_ids WHERE ref IN (${list}) AND indexed_at IS NULL) AS n`,
			...refs,
			...refs,
			...refs,
		);
		if ((open?.n ?? 0) > 0) return false;
	}
	// The run's relay ids are `<user>_<n>` (provider.ts).
	const prefix = `${run.user}_`;
	for (const name of run.objectsOf("RELAY_INDEX")) {
		const [open] = await run.sql<{ n: number }>(
			"RELAY_INDEX",
			name,
			`SELECT (SELECT COUNT(*) FROM held WHERE state = 'held' AND substr(relay_id, 1, ?1) = ?2)
			 + (SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending') AND substr(stream, 1, ?1) = ?2) AS n`,
			prefix.length,
			prefix,
		);
		if ((open?.n ?? 0) > 0) return false;
	}
	return true;
}

const messageIdOf = (m: FaultMessage) => /^Message-ID:\s*(<[^>\r\n]+>)/im.exec(m.data)?.[1];
const bare = (address: string) => address.toLowerCase();

export interface RunOutcome {
	problems: string[];
	ended: Ended[];
	/** Messages the relay received (to its final dot), and MAIL commands it saw. */
	arrivals: number;
	mails: number;
	/** Delivered events that went out with `ref: null` though their record was sent (webhooks.ts). */
	unmatched: number;
}

/** The webhooks the run's receiver got, in order. */
async function postsOf(run: CrashRun): Promise<Post[]> {
	return (await run.webhooks()).map((r, order) => {
		const event = JSON.parse(r.body) as {
			type: string;
			data: { ref: string | null; relayId: string; to: string | null };
		};
		const { ref, relayId, to } = event.data;
		return { order, id: r.headers["webhook-id"] ?? "", type: event.type, ref, relayId, to };
	});
}

/**
 * Holds the quiet run to its promises. `indexOf` names a record's message
 * (by its subject); `baseline`: how long each message took in the run with
 * no fault, by index.
 */
export async function checkRun(
	run: CrashRun,
	told: Told[],
	indexOf: (record: MessageRecord) => number,
	baseline?: ReadonlyMap<number, number>,
): Promise<RunOutcome> {
	const { ended, problems } = await endedRecords(run, told, indexOf, baseline);
	const relay = await run.relayRecord();
	problems.push(...arrivalProblems(relay.messages, ended));
	const byMessageId = new Map(ended.map((e) => [e.record.messageId, e]));
	const recordOfCallback = (callback: Callback) => {
		const arrival = relay.messages[callback.n - 1];
		const id = arrival && messageIdOf(arrival);
		return id === undefined ? undefined : byMessageId.get(id);
	};
	const webhooks = webhookProblems(await postsOf(run), ended, run.provider.callbacks, recordOfCallback);
	problems.push(...webhooks.problems);
	problems.push(...(await limiterProblems(run, relay.messages.length)));
	const mails = relay.commands.filter((c) => /^MAIL /i.test(c)).length;
	return { problems, ended, arrivals: relay.messages.length, mails, unmatched: webhooks.unmatched };
}

/** Every record the run made, final in time; none for a message the client was told failed. */
async function endedRecords(
	run: CrashRun,
	told: Told[],
	indexOf: (record: MessageRecord) => number,
	baseline?: ReadonlyMap<number, number>,
): Promise<{ ended: Ended[]; problems: string[] }> {
	const problems: string[] = [];
	const ended: Ended[] = [];
	const refs = new Set(run.refs());
	for (const t of told) if (t.kind === "accepted") refs.add(t.ref);
	for (const ref of refs) {
		const found = await recordOf(ref);
		if (!found) {
			const index = told.findIndex((t) => t.kind === "accepted" && t.ref === ref);
			if (index >= 0) problems.push(`message ${index}: answered accepted as ${ref}, but there is no record`);
			continue;
		}
		const { record, events } = found;
		const i = indexOf(record);
		if (WAITING.has(record.status)) {
			problems.push(`message ${i} (${ref}): still ${record.status}`);
			continue;
		}
		const dueAt = record.sendAt ?? events[0]?.at ?? record.createdAt;
		const finalAt = events.find((e) => OWN_FINAL.has(e.type))?.at ?? Number.NaN;
		const e: Ended = { index: i, record, events, tookMs: finalAt - dueAt };
		ended.push(e);
		const allowed = (baseline?.get(i) ?? 0) + FINAL_BOUND_MS;
		if (!(e.tookMs <= allowed)) {
			problems.push(`message ${i} (${ref}): final ${record.status} ${e.tookMs} ms after due, past ${allowed} ms`);
		}
		const t = told[i];
		if (t?.kind === "refused") {
			problems.push(
				`message ${i} (${ref}): the client was told ${t.why} (so it may send again), yet it was accepted and ended ${record.status}`,
			);
		}
	}
	return { ended, problems };
}

/**
 * What the relay received: each message of a record of the run, at most once
 * per recipient, and to every recipient unless it ended failed or unknown;
 * a record that says sent names the relay id of each of its arrivals.
 */
function arrivalProblems(arrivals: FaultMessage[], ended: Ended[]): string[] {
	const problems: string[] = [];
	const byMessageId = new Map(ended.map((e) => [e.record.messageId, e]));
	const reached = new Map<Ended, Map<string, number>>();
	for (const m of arrivals) {
		const id = messageIdOf(m);
		const e = id === undefined ? undefined : byMessageId.get(id);
		if (!e) {
			problems.push(`the relay received ${id ?? "a message without a Message-ID"} for which no record exists`);
			continue;
		}
		const counts = reached.get(e) ?? new Map<string, number>();
		for (const to of m.rcptTo) counts.set(bare(to), (counts.get(bare(to)) ?? 0) + 1);
		reached.set(e, counts);
		const relayId = m.answer ? extractRelayId(m.answer) : undefined;
		if (relayId && !MAY_MISS.has(e.record.status) && !e.record.relayIds.includes(relayId)) {
			problems.push(`message ${e.index} (${e.record.ref}): ended ${e.record.status} without relay id ${relayId}`);
		}
	}
	for (const e of ended) {
		const counts = reached.get(e) ?? new Map<string, number>();
		for (const [to, n] of counts) {
			if (n > 1) problems.push(`message ${e.index} (${e.record.ref}): ${to} received it ${n} times`);
		}
		if (MAY_MISS.has(e.record.status)) continue;
		for (const to of e.record.to) {
			if (!counts.get(bare(to))) {
				problems.push(`message ${e.index} (${e.record.ref}): ended ${e.record.status} but ${to} never received it`);
			}
		}
	}
	return problems;
}

/** The api_user's budget (every limiter object it is split over) counts every send the relay received. */
async function limiterProblems(run: CrashRun, arrivals: number): Promise<string[]> {
	const budget = new RateBudget({
		namespace: baseEnv.RATE_LIMITER,
		name: run.user,
		limit: RATE_LIMIT,
		counting: "until-settled",
	});
	const { used } = await budget.usage();
	return used < arrivals ? [`the limiter counts ${used} sends, the relay received ${arrivals}`] : [];
}
