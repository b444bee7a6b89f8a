/**
 * The records of synchronous sends, written once their outcome is known: the
 * caller already has the answer; the record lets it (and the provider's
 * events) find the message later by its ref, and its outbox carries the
 * `message.*` webhook. Bookkeeping never changes a delivered answer: a store
 * that fails here is logged and the answer goes out without a ref (finding 9);
 * the webhook jobs are queued after the write, and one the queue loses is
 * queued again by the shard's sweep.
 */
import { type DueJob, sendJobs, webhookJobs } from "../store/jobs";
import { indexRelayIds, notePlace, shardByName } from "../store/messages-client";
import { newRef, placeOf, shardName } from "../store/ref";
import type { SyncInput } from "../store/shard-lifecycle";
import { recordBase } from "./accept";
import { publishes, type SendContext, senderOf } from "./context";
import { errorOf } from "./outcome";
import { storeOf } from "./store-access";
import type { Admitted, Delivered } from "./types";

const statusOf = (d: Delivered) => (d.ok ? "sent" : d.problem.code === "delivery_unknown" ? "unknown" : "failed");

/** One sync delivery's final record. */
function syncInput(ctx: SendContext, admitted: Admitted, delivered: Delivered, now: number): SyncInput {
	const ref = newRef(now);
	return {
		...recordBase(senderOf(ctx), admitted.prepared, ref, now, publishes(ctx.config)),
		status: statusOf(delivered),
		relayId: delivered.ok ? delivered.sent.id : null,
		route: delivered.ok ? delivered.sent.route : delivered.problem.smtp ? "primary" : null,
		sentAt: delivered.ok ? now : null,
		lastError: delivered.ok ? null : errorOf(delivered.problem),
		detail: delivered.ok
			? {
					relayId: delivered.sent.id,
					route: delivered.sent.route,
					accepted: delivered.sent.accepted,
					rejected: delivered.sent.rejected,
				}
			: errorOf(delivered.problem),
	};
}

/**
 * Writes the records of a request's sync deliveries (one call per shard they
 * land in), then queues their webhooks and indexes their relay ids. Answers
 * the refs written, by request index; nothing when the store is not bound.
 */
export async function recordDeliveries(
	ctx: SendContext,
	admitted: readonly Admitted[],
	delivered: ReadonlyMap<number, Delivered>,
): Promise<Map<number, string>> {
	const refs = new Map<number, string>();
	const store = storeOf(ctx.env);
	if (!store) return refs;
	const now = Date.now();
	const byShard = new Map<string, { index: number; input: SyncInput }[]>();
	for (const item of admitted) {
		const d = delivered.get(item.index);
		if (!d) continue;
		const input = syncInput(ctx, item, d, now);
		const place = placeOf(input.ref);
		if (!place) continue;
		const name = shardName(place);
		byShard.set(name, [...(byShard.get(name) ?? []), { index: item.index, input }]);
	}
	const jobs: DueJob[] = [];
	const relayIds: { relayId: string; ref: string }[] = [];
	await Promise.all(
		[...byShard].map(async ([name, group]) => {
			try {
				for (const { input } of group) await notePlace(store, input.owner, input.ref);
				const outbox = await shardByName(store, name).recordSync(
					group.map((g) => g.input),
					now,
				);
				jobs.push(...webhookJobs(name, outbox));
				for (const { index, input } of group) {
					refs.set(index, input.ref);
					if (input.relayId) relayIds.push({ relayId: input.relayId, ref: input.ref });
				}
			} catch (error) {
				console.error(JSON.stringify({ level: "error", msg: "sync record not written", error: String(error) }));
			}
		}),
	);
	// After the answer: the webhooks (the outbox has them already) and the relay index (the sweep puts it again).
	ctx.background(
		(async () => {
			const held = relayIds.length ? await indexRelayIds(store, relayIds, now) : [];
			const queue = ctx.env.SEND_QUEUE;
			if (queue) await sendJobs(queue, [...jobs, ...held]);
		})().catch((error: unknown) =>
			console.warn(JSON.stringify({ level: "warn", msg: "after sync records", error: String(error) })),
		),
	);
	return refs;
}
