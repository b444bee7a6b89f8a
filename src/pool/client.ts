/**
 * The Worker's side of the pool: which RelayPool object to ask, and what to do
 * when none can take the message. Shards are named by AUTH user and filled in
 * order — the first until it answers busy, then the next — so a trickle of
 * sends stays on the same warm sessions. A shard that answered busy is skipped
 * by this isolate for a moment instead of being asked again at once, and so is
 * one this isolate already has as many calls open to as it could take.
 *
 * A call that fails is not proof that nothing was sent, nor that something
 * was: the runtime reads the body stream as soon as it crosses RPC. Unless
 * not one byte of it was read, the Worker asks the object whether the job's
 * content started (job-marks.ts), and sends directly only on its word that it
 * never did and never will.
 */

import type { PoolMessage, PoolReply } from "./job.ts";
import type { AbandonAnswer } from "./job-marks.ts";
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
	job: () => PoolMessage,
): Promise<PoolOutcome> {
	for (let shard = 0; shard < (target.shards ?? SHARDS); shard++) {
		const objectName = name(shard);
		if ((busyUntil.get(objectName) ?? 0) > Date.now()) continue;
		if ((inFlight.get(objectName) ?? 0) >= inFlightCap(objectName)) continue;
		const { namespace, locationHint } = target;
		const stubOf = () => namespace.get(namespace.idFromName(objectName), locationHint ? { locationHint } : undefined);
		const stub = stubOf();
		const attempt = { ...job(), jobId: crypto.randomUUID() };
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
			// A stub that threw may be broken: ask on a new one.
			return afterFailedCall(stubOf(), attempt.jobId, error);
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

/**
 * The call for `jobId` failed after its body was read: the object's word on
 * whether the content started decides. No word (the object unreachable too)
 * counts as started: the message may be at the relay.
 */
export async function afterFailedCall(
	stub: { abandon(jobId: string): Promise<AbandonAnswer> },
	jobId: string,
	error: unknown,
): Promise<Extract<PoolOutcome, { kind: "direct" | "lost" }>> {
	const failure = error instanceof Error ? error.message : String(error);
	let answer: AbandonAnswer;
	try {
		answer = await stub.abandon(jobId);
	} catch (askError) {
		const why = askError instanceof Error ? askError.message : String(askError);
		return { kind: "lost", detail: `${failure}; the pool could not say whether the content had started: ${why}` };
	}
	if (answer === "abandoned") return { kind: "direct" };
	return { kind: "lost", detail: `${failure}, after the content had started` };
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
