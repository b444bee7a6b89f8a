/**
 * The MessageShard Durable Object (binding MESSAGES): the records of one UTC
 * day and one of its 32 shards (ref.ts names which), with their timelines,
 * tags, relay ids, provider events and outbound webhooks. Every state
 * transition of a message is one call here and one SQLite transaction
 * (shard-lifecycle.ts, shard-events.ts, outbox.ts); its alarm is the sweep
 * (shard-sweep.ts) that re-queues lost jobs, ends expired claims, has the
 * relay index confirm relay ids, deletes spooled bytes and expired records.
 * Callers pass their clock (`now`), so tests move time; the alarm uses the
 * real one.
 */
import { DurableObject } from "cloudflare:workers";
import { type DueJob, type QueueJob, sendJobs } from "./jobs";
import {
	type AttemptOutcome,
	claimOutbox,
	handBackOutbox,
	type OutboxClaim,
	type OutboxRow,
	type OutboxSettled,
	outboxOf,
	settleOutbox,
} from "./outbox";
import type { RelayIndex } from "./relay-index";
import { indexName } from "./relay-index-name";
import { type Linked, linkEvent, logAttempt, markIndexed } from "./shard-events";
import {
	type Accepted,
	type AcceptInput,
	accept,
	type Canceled,
	type ClaimResult,
	cancel,
	claim,
	defer,
	type Finished,
	finish,
	type Outcome,
	type Rescheduled,
	recordSync,
	release,
	reschedule,
	type SyncInput,
} from "./shard-lifecycle";
import { type Cursor, getRecord, type ListFilter, listRecords } from "./shard-read";
import { SHARD_SCHEMA } from "./shard-rows";
import { nextShardWake, shardEmpty, sweepShard } from "./shard-sweep";
import { Sql } from "./sql";
import { retentionMs, SWEEP_AFTER_MS } from "./timing";
import type { LinkedEvent, MessageEvent, MessageRecord } from "./types";

export type { Cursor, ListFilter };

/** What the shard reaches itself: the queue (its sweep's jobs), the relay index, the spool. */
export interface ShardEnv {
	SEND_QUEUE?: Queue<QueueJob>;
	RELAY_INDEX?: DurableObjectNamespace<RelayIndex>;
	SPOOL?: R2Bucket;
	MESSAGE_RETENTION_DAYS?: string;
}

/** What a sweep did, for its log line and for tests. */
export interface SweepReport {
	jobs: DueJob[];
	expired: number;
	indexed: number;
	unspooled: number;
	deleted: number;
}

export class MessageShard extends DurableObject<ShardEnv> {
	readonly #sql: Sql;
	#alarmAt: number | null = null;

	constructor(ctx: DurableObjectState, env: ShardEnv) {
		super(ctx, env);
		this.#sql = new Sql(ctx.storage.sql);
		ctx.blockConcurrencyWhile(async () => {
			ctx.storage.sql.exec(SHARD_SCHEMA);
			this.#alarmAt = await ctx.storage.getAlarm();
		});
	}

	accept(input: AcceptInput, now: number): Accepted {
		const result = this.#tx(() => accept(this.#sql, input, now));
		this.#wake(now);
		return result;
	}

	/** Sync sends' final records (a batch's that landed in this shard at once); answers the outbox ids. */
	recordSync(inputs: SyncInput[], now: number): string[] {
		const outbox = this.#tx(() => inputs.flatMap((input) => recordSync(this.#sql, input, now)));
		this.#wake(now);
		return outbox;
	}

	claim(ref: string, now: number): ClaimResult {
		const result = this.#tx(() => claim(this.#sql, ref, now));
		this.#wake(now);
		return result;
	}

	finish(ref: string, token: string, outcome: Outcome, now: number): Finished {
		const result = this.#tx(() => finish(this.#sql, ref, token, outcome, now));
		this.#wake(now);
		return result;
	}

	release(ref: string, token: string, now: number): boolean {
		const released = this.#tx(() => release(this.#sql, ref, token, now));
		this.#wake(now);
		return released;
	}

	defer(refs: string[], until: number): void {
		this.#tx(() => defer(this.#sql, refs, until));
	}

	/**
	 * A job the queue gave up on (the dead-letter consumer): the record or
	 * delivery is due for the sweep's next look, which queues it again.
	 */
	handBack(job: { kind: "send"; ref: string } | { kind: "webhook"; id: string }, now: number): void {
		this.#tx(() => {
			if (job.kind === "webhook") handBackOutbox(this.#sql, job.id, now);
			else {
				this.#sql.run(
					"UPDATE messages SET looked_at = ? WHERE ref = ? AND status IN ('queued', 'scheduled')",
					now - SWEEP_AFTER_MS,
					job.ref,
				);
			}
		});
		this.#wake(now);
	}

	cancel(ref: string, owner: string, now: number): Canceled {
		const result = this.#tx(() => cancel(this.#sql, ref, owner, now));
		this.#wake(now);
		return result;
	}

	reschedule(ref: string, owner: string, sendAt: number, now: number): Rescheduled {
		const result = this.#tx(() => reschedule(this.#sql, ref, owner, sendAt, now));
		this.#wake(now);
		return result;
	}

	/** Provider events of one record (a callback, or the ones held for it until its relay id was known). */
	linkEvents(ref: string, events: LinkedEvent[], indexedRelayIds: string[], now: number): Linked[] {
		const results = this.#tx(() => {
			markIndexed(this.#sql, indexedRelayIds, now);
			return events.map((event) => linkEvent(this.#sql, ref, event, now));
		});
		this.#wake(now);
		return results;
	}

	get(ref: string, owner?: string): { record: MessageRecord; events: MessageEvent[] } | undefined {
		return getRecord(this.#sql, ref, owner);
	}

	list(owner: string, filter: ListFilter): MessageRecord[] {
		return listRecords(this.#sql, owner, filter);
	}

	/** How many of the owner's records are in each status (tests and the bench watch a drain with it). */
	counts(owner: string): Record<string, number> {
		const rows = this.#sql.all<{ status: string; n: number }>(
			"SELECT status, COUNT(*) AS n FROM messages WHERE owner = ? GROUP BY status",
			owner,
		);
		return Object.fromEntries(rows.map((r) => [r.status, r.n]));
	}

	claimDelivery(id: string, now: number): OutboxClaim {
		return this.#tx(() => claimOutbox(this.#sql, id, now));
	}

	/** An attempt's outcome; one that posted is also on its record's timeline (`webhook.attempt`). */
	settleDelivery(id: string, token: string, outcome: AttemptOutcome, now: number): OutboxSettled {
		const result = this.#tx(() => {
			const settled = settleOutbox(this.#sql, id, token, outcome, now);
			if (settled.kind !== "lost") logAttempt(this.#sql, id, outcome, now);
			return settled;
		});
		this.#wake(now);
		return result;
	}

	deliveriesOf(ref: string): OutboxRow[] {
		return outboxOf(this.#sql, ref);
	}

	/**
	 * The sweep, at `now`: what was found in one transaction, then the I/O it
	 * needs (index puts, spool deletes); answers the jobs to queue. The alarm
	 * queues them; tests call this with their clock and hand the jobs on.
	 */
	async sweep(now: number): Promise<SweepReport> {
		const retentionMs = this.#retentionMs();
		const found = this.#tx(() => sweepShard(this.#sql, now, retentionMs));
		const indexed = await this.#reindex(found.unindexed, now);
		let unspooled = 0;
		if (found.spoolRefs.length && this.env.SPOOL) {
			await this.env.SPOOL.delete(found.spoolRefs.map((ref) => `spool/${ref}`));
			this.#tx(() => {
				for (const ref of found.spoolRefs) this.#sql.run("UPDATE messages SET spooled = 0 WHERE ref = ?", ref);
			});
			unspooled = found.spoolRefs.length;
		}
		const name = this.#name();
		const jobs: DueJob[] = [
			...found.sendJobs,
			...found.webhookIds.map((id) => ({ job: { kind: "webhook" as const, object: name, id }, delaySeconds: 0 })),
		];
		return { jobs, expired: found.expired, indexed, unspooled, deleted: found.deleted };
	}

	override async alarm(): Promise<void> {
		this.#alarmAt = null;
		const now = Date.now();
		const report = await this.sweep(now);
		if (report.jobs.length && this.env.SEND_QUEUE) await sendJobs(this.env.SEND_QUEUE, report.jobs);
		if (report.jobs.length || report.expired || report.deleted) {
			console.log(
				JSON.stringify({
					level: report.expired ? "warn" : "info",
					msg: "sweep",
					object: this.#name(),
					requeued: report.jobs.length,
					expired: report.expired,
					indexed: report.indexed,
					unspooled: report.unspooled,
					deleted: report.deleted,
				}),
			);
		}
		if (shardEmpty(this.#sql)) {
			await this.ctx.storage.deleteAll();
			this.ctx.storage.sql.exec(SHARD_SCHEMA);
			return;
		}
		const next = nextShardWake(this.#sql, now, this.#retentionMs());
		if (next !== undefined) this.#setAlarm(next);
	}

	/** Puts unconfirmed relay ids into the index again and files the events it held for them. */
	async #reindex(entries: { relayId: string; ref: string }[], now: number): Promise<number> {
		const index = this.env.RELAY_INDEX;
		if (!entries.length || !index) return 0;
		const byIndex = new Map<string, { relayId: string; ref: string }[]>();
		for (const e of entries) {
			const name = indexName(e.relayId);
			byIndex.set(name, [...(byIndex.get(name) ?? []), e]);
		}
		for (const [name, group] of byIndex) {
			const held = await index.get(index.idFromName(name)).put(group, now);
			this.#tx(() => {
				markIndexed(
					this.#sql,
					group.map((e) => e.relayId),
					now,
				);
				for (const e of group) for (const event of held[e.relayId] ?? []) linkEvent(this.#sql, e.ref, event, now);
			});
		}
		return entries.length;
	}

	#tx<T>(work: () => T): T {
		return this.ctx.storage.transactionSync(work);
	}

	/** After a change: the sweep looks within a minute at the latest (sooner if something is due sooner). */
	#wake(now: number): void {
		const next = nextShardWake(this.#sql, now, this.#retentionMs());
		if (next !== undefined && (this.#alarmAt === null || next < this.#alarmAt)) this.#setAlarm(next);
	}

	#setAlarm(at: number): void {
		// Never in the real past (a caller's clock may lag): the alarm sweeps with the real one.
		this.#alarmAt = Math.max(at, Date.now() + 1000);
		void this.ctx.storage.setAlarm(this.#alarmAt);
	}

	#retentionMs(): number {
		return retentionMs(this.env.MESSAGE_RETENTION_DAYS);
	}

	#name(): string {
		return this.ctx.id.name ?? "";
	}
}
