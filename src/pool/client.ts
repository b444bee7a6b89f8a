/**
 * The Worker's side of the pool: which RelayPool object to ask, and what to do
 * when none can take the message. Shards are named by AUTH user and filled in
 * order — the first until it answers busy, then the next — so a trickle of
 * sends stays on the same warm sessions. A shard that answered busy is skipped
 * by this isolate for a moment instead of being asked again at once, and so is
 * one this isolate already has as many calls open to as it could take.
 */

import type { PoolJob, PoolReply } from "./job.ts";
import type { RelayPool } from "./relay-pool.ts";
import { MAX_SOCKETS } from "./sessions.ts";

/** Pool objects per AUTH user by default (SMTP_POOL_SHARDS): shards × MAX_SOCKETS warm sessions, then direct sends. */
export const SHARDS = 4;
/** The most SMTP_POOL_SHARDS may be. */
export const MAX_SHARDS = 64;
/** How long this isolate skips a shard that answered busy. */
const BUSY_SKIP_MS = 250;
/**
 * Calls this isolate has open to one shard before it asks the next instead.
 * Once the shard has delivered a message for this isolate (so it has timed an
 * open and a transaction): its sockets and three times as many waiting, a
 * little under what an object lets wait when a new session costs about five
 * warm sends (sessions.ts). Before that, only its sockets: an object that has
 * measured nothing lets nobody wait. More would only come back busy, each
 * answer an RPC round trip spent before sending directly.
 */
const inFlightCap = (objectName: string) => (delivered.has(objectName) ? 4 * MAX_SOCKETS : MAX_SOCKETS);

export interface PoolTarget {
	namespace: DurableObjectNamespace<RelayPool>;
	/** SMTP_LOCATION_HINT: where new pool objects are created. */
	locationHint?: DurableObjectLocationHint;
	/** SMTP_POOL_SHARDS: objects per AUTH user, asked in order (default SHARDS). */
	shards?: number;
}

/**
 * - a PoolReply other than `busy`: what the pool did;
 * - `direct`: no pool object took it and nothing was sent: send it from the Worker;
 * - `lost`: the call failed after the pool may have begun the transaction: the outcome is unknown.
 */
export type PoolOutcome = Exclude<PoolReply, { kind: "busy" }> | { kind: "direct" } | { kind: "lost"; detail: string };

const busyUntil = new Map<string, number>();
const inFlight = new Map<string, number>();
/** Shards that have delivered a message for this isolate. */
const delivered = new Set<string>();

/** The object name of one shard: relay and AUTH user, so different relays never share sessions. */
export const shardName = (host: string, port: number, authUser: string, shard: number) =>
	`${host}:${port}/${authUser}/${shard}`;

/** Hands `job()` to the first shard that takes it; `job` is called once per attempt (a fresh body stream). */
export async function sendThroughPool(
	target: PoolTarget,
	name: (shard: number) => string,
	job: () => PoolJob,
): Promise<PoolOutcome> {
	for (let shard = 0; shard < (target.shards ?? SHARDS); shard++) {
		const objectName = name(shard);
		if ((busyUntil.get(objectName) ?? 0) > Date.now()) continue;
		if ((inFlight.get(objectName) ?? 0) >= inFlightCap(objectName)) continue;
		const { namespace, locationHint } = target;
		const stub = namespace.get(namespace.idFromName(objectName), locationHint ? { locationHint } : undefined);
		const attempt = job();
		let pulled = false;
		const body = watchPulls(attempt.body, () => {
			pulled = true;
		});
		let reply: PoolReply;
		inFlight.set(objectName, (inFlight.get(objectName) ?? 0) + 1);
		try {
			reply = await stub.deliver({ ...attempt, body });
		} catch (error) {
			// Without the content no message can have been delivered: safe to send it directly.
			if (!pulled) return { kind: "direct" };
			return { kind: "lost", detail: error instanceof Error ? error.message : String(error) };
		} finally {
			inFlight.set(objectName, (inFlight.get(objectName) ?? 1) - 1);
		}
		if (reply.kind !== "busy") {
			busyUntil.delete(objectName);
			if (reply.kind === "sent") delivered.add(objectName);
			return reply;
		}
		busyUntil.set(objectName, Date.now() + BUSY_SKIP_MS);
	}
	return { kind: "direct" };
}

/** The same bytes, calling `onPull` once the first byte is asked for. */
function watchPulls(stream: ReadableStream<Uint8Array>, onPull: () => void): ReadableStream<Uint8Array> {
	const reader = stream.getReader();
	return new ReadableStream<Uint8Array>({
		async pull(controller) {
			onPull();
			const { value, done } = await reader.read();
			if (done) controller.close();
			else controller.enqueue(value);
		},
		cancel: (reason) => reader.cancel(reason),
	});
}
