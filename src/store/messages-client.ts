/**
 * The store as its callers use it: the object each key lives in (a ref's
 * shard, a relay id's index, an address's suppression list), the directory
 * noted once per isolate, and the reads that span objects — a newest-first
 * page across shards and days, suppressions of many addresses, one call per
 * object touched.
 */
import type { MessageDirectory } from "./directory";
import { type DueJob, webhookJobs } from "./jobs";
import type { MessageShard } from "./message-shard";
import { DAY_MS, placeOf, shardName } from "./ref";
import type { RelayIndex } from "./relay-index";
import { indexName, SUPPRESSION_SHARDS, suppressionName } from "./relay-index-name";
import type { Cursor, ListFilter } from "./shard-read";
import type { Suppression, SuppressionList } from "./suppression-list";
import type { MessageRecord } from "./types";

export interface StoreBindings {
	MESSAGES: DurableObjectNamespace<MessageShard>;
	RELAY_INDEX: DurableObjectNamespace<RelayIndex>;
	SUPPRESSIONS: DurableObjectNamespace<SuppressionList>;
	DIRECTORY: DurableObjectNamespace<MessageDirectory>;
}

const byName = <T extends Rpc.DurableObjectBranded | undefined>(ns: DurableObjectNamespace<T>, name: string) =>
	ns.get(ns.idFromName(name));

/** The shard holding `ref`, or undefined for something that is not a ref (a 404, never a lookup). */
export function shardOf(env: Pick<StoreBindings, "MESSAGES">, ref: string) {
	const place = placeOf(ref);
	return place ? byName(env.MESSAGES, shardName(place)) : undefined;
}

export const shardByName = (env: Pick<StoreBindings, "MESSAGES">, name: string) => byName(env.MESSAGES, name);

export const indexOf = (env: Pick<StoreBindings, "RELAY_INDEX">, key: string) =>
	byName(env.RELAY_INDEX, indexName(key));

export const indexByName = (env: Pick<StoreBindings, "RELAY_INDEX">, name: string) => byName(env.RELAY_INDEX, name);

/**
 * Puts records' new relay ids into the index (one call per index object) and
 * files the provider events it held for them on their records; answers the
 * webhook jobs those events made. A failure here loses nothing: the records'
 * shards put unconfirmed relay ids again in their sweep.
 */
export async function indexRelayIds(
	env: Pick<StoreBindings, "MESSAGES" | "RELAY_INDEX">,
	entries: readonly { relayId: string; ref: string }[],
	now: number,
): Promise<DueJob[]> {
	const byIndex = new Map<string, { relayId: string; ref: string }[]>();
	for (const e of entries) byIndex.set(indexName(e.relayId), [...(byIndex.get(indexName(e.relayId)) ?? []), e]);
	const jobs: DueJob[] = [];
	for (const [name, group] of byIndex) {
		const held = await byName(env.RELAY_INDEX, name).put([...group], now);
		for (const { relayId, ref } of group) {
			const events = held[relayId];
			const place = placeOf(ref);
			if (!events?.length || !place) continue;
			const object = shardName(place);
			const linked = await byName(env.MESSAGES, object).linkEvents(ref, events, [relayId], now);
			jobs.push(
				...webhookJobs(
					object,
					linked.flatMap((l) => ("outbox" in l ? l.outbox : [])),
				),
			);
		}
	}
	return jobs;
}

const DIRECTORY = "directory";
const noted = new Set<string>();

/** Notes `ref`'s place for its owner before its record is written (once per isolate and place). */
export async function notePlace(env: Pick<StoreBindings, "DIRECTORY">, owner: string, ref: string): Promise<void> {
	const place = placeOf(ref);
	if (!place) throw new TypeError(`notePlace: ${ref} is not a ref`);
	const key = `${owner}\n${place.day}\n${place.shard}`;
	if (noted.has(key)) return;
	await byName(env.DIRECTORY, DIRECTORY).note(owner, place.day, place.shard);
	noted.add(key);
}

/** Most object calls one page may make before it answers what it has (with a cursor to go on). */
const MAX_CALLS_PER_PAGE = 64;

/**
 * A page of the owner's records newest first: day by day (the directory says
 * which shards of a day hold theirs), each shard's newest `limit` before the
 * cursor, merged. `next`: where the following page starts, when there may be
 * more — after the page's last record, or, when the page stopped at its call
 * budget, before the last day it looked at (everything newer was seen).
 */
export async function listAcross(
	env: Pick<StoreBindings, "MESSAGES" | "DIRECTORY">,
	owner: string,
	filter: Omit<ListFilter, "before"> & { before?: Cursor; fromDay: number },
): Promise<{ records: MessageRecord[]; next?: Cursor }> {
	const want = filter.limit + 1;
	const found: MessageRecord[] = [];
	let calls = 0;
	let fromDay = filter.fromDay;
	for (;;) {
		const days = await byName(env.DIRECTORY, DIRECTORY).placesOf(owner, fromDay, 4);
		calls++;
		if (!days.length) return { records: newestFirst(found) };
		for (const { day, shards } of days) {
			const pages = await Promise.all(
				shards.map((shard) => byName(env.MESSAGES, shardName({ day, shard })).list(owner, { ...filter, limit: want })),
			);
			calls += shards.length;
			found.push(...pages.flat());
			if (found.length >= want) {
				const records = newestFirst(found).slice(0, filter.limit);
				const last = records.at(-1) as MessageRecord;
				return { records, next: { createdAt: last.createdAt, ref: last.ref } };
			}
			if (calls >= MAX_CALLS_PER_PAGE)
				return { records: newestFirst(found), next: { createdAt: day * DAY_MS, ref: "" } };
			fromDay = day - 1;
		}
	}
}

/** The owner's records by status, over every shard the directory lists for them. */
export async function countAcross(
	env: Pick<StoreBindings, "MESSAGES" | "DIRECTORY">,
	owner: string,
	fromDay: number,
): Promise<Record<string, number>> {
	const days = await byName(env.DIRECTORY, DIRECTORY).placesOf(owner, fromDay, 1000);
	const counts = await Promise.all(
		days.flatMap(({ day, shards }) =>
			shards.map((shard) => byName(env.MESSAGES, shardName({ day, shard })).counts(owner)),
		),
	);
	const total: Record<string, number> = {};
	for (const c of counts) for (const [status, n] of Object.entries(c)) total[status] = (total[status] ?? 0) + n;
	return total;
}

/**
 * The owner's records newer than `after`, oldest first (the page just before
 * it in a newest-first list): day by day from the cursor's day on, each
 * shard's oldest `limit` newer than it, merged. Answers up to `limit + 1`.
 */
export async function listNewer(
	env: Pick<StoreBindings, "MESSAGES" | "DIRECTORY">,
	owner: string,
	filter: Omit<ListFilter, "before" | "after"> & { after: Cursor; fromDay: number },
): Promise<MessageRecord[]> {
	const want = filter.limit + 1;
	const found: MessageRecord[] = [];
	let fromDay = filter.fromDay;
	for (let calls = 0; calls < MAX_CALLS_PER_PAGE; ) {
		const days = await byName(env.DIRECTORY, DIRECTORY).placesFrom(owner, fromDay, 4);
		calls++;
		if (!days.length) break;
		for (const { day, shards } of days) {
			const pages = await Promise.all(
				shards.map((shard) => byName(env.MESSAGES, shardName({ day, shard })).list(owner, { ...filter, limit: want })),
			);
			calls += shards.length;
			found.push(...pages.flat());
			if (found.length >= want) break;
			fromDay = day + 1;
		}
		if (found.length >= want) break;
	}
	return newestFirst(found).reverse().slice(0, want);
}

const newestFirst = (records: MessageRecord[]) =>
	records.sort((a, b) => b.createdAt - a.createdAt || (a.ref < b.ref ? 1 : a.ref > b.ref ? -1 : 0));

export const suppressionsOf = (env: Pick<StoreBindings, "SUPPRESSIONS">, apiUser: string, email: string) =>
	byName(env.SUPPRESSIONS, suppressionName(apiUser, email));

/** Which of `emails` the api_user has suppressed: one call per object the addresses touch. */
export async function suppressedAmong(
	env: Pick<StoreBindings, "SUPPRESSIONS">,
	apiUser: string,
	emails: readonly string[],
): Promise<Suppression[]> {
	const groups = new Map<string, string[]>();
	for (const email of emails) {
		const name = suppressionName(apiUser, email);
		groups.set(name, [...(groups.get(name) ?? []), email]);
	}
	const answers = await Promise.all([...groups].map(([name, group]) => byName(env.SUPPRESSIONS, name).among(group)));
	return answers.flat();
}

/** A page of the api_user's suppressions in address order: the 16 objects' pages merged. */
export async function listSuppressions(
	env: Pick<StoreBindings, "SUPPRESSIONS">,
	apiUser: string,
	after: string | null,
	limit: number,
): Promise<Suppression[]> {
	const pages = await Promise.all(
		Array.from({ length: SUPPRESSION_SHARDS }, (_, n) =>
			byName(env.SUPPRESSIONS, `s:${apiUser}:${n}`).list(after, limit),
		),
	);
	return pages
		.flat()
		.sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0))
		.slice(0, limit);
}
