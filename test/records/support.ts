/**
 * What the records tests share: async sends through the app, and handing a
 * message's job to the queue consumer (src/records/consumer.ts) the way the
 * queue would, at a time the test chooses — the suite's producer writes to a
 * queue nobody consumes (vitest.config.ts), so only these calls deliver.
 */

import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { Bindings } from "../../src/env";
import { consumeQueue, type QueueJob } from "../../src/records/consumer";
import type { MessageRecord } from "../../src/rpc/types";
import { placeOf, shardName } from "../../src/store/ref";
import { auth, baseEnv, call, message, type Overrides, post } from "../api/support";

export const ASYNC = { Prefer: "respond-async" };

export interface AcceptedBody {
	ref: string;
	status: string;
	messageId: string;
}

/** A record as GET /v1/messages/{ref} answers it: the type the RPC door exports. */
export type RecordBody = MessageRecord;

/** POST /v1/send with Prefer: respond-async; the 202's body (fails the test on anything else). */
export async function sendAsync(tag: string, overrides: Overrides = {}, extra: Record<string, unknown> = {}) {
	const response = await post("/v1/send", message(tag, extra), overrides, ASYNC);
	if (response.status !== 202) throw new Error(`expected 202, got ${response.status}: ${await response.text()}`);
	return { response, body: (await response.json()) as AcceptedBody };
}

/** GET /v1/messages/{ref} as the test key (or another). */
export async function lookUp(ref: string, headers: Record<string, string> = auth) {
	return call(`/v1/messages/${ref}`, { headers });
}

export async function recordOf(ref: string): Promise<RecordBody> {
	const response = await lookUp(ref);
	if (response.status !== 200) throw new Error(`record ${ref}: ${response.status} ${await response.text()}`);
	return (await response.json()) as RecordBody;
}

let jobs = 0;

/**
 * Hands the send jobs of `refs` to the consumer as one batch, with `overrides`
 * on the bindings and the consumer's clock reading `at` (default: now).
 */
export const consume = (refs: string[], overrides: Overrides = {}, at?: number) =>
	consumeJobs(
		refs.map((ref) => ({ kind: "send", ref })),
		overrides,
		at,
	);

/** Hands queue jobs of any kind (`send`, `webhook`) to the consumer as one batch, as `consume` does. */
export async function consumeJobs(bodies: QueueJob[], overrides: Overrides = {}, at?: number) {
	const batch = createMessageBatch<QueueJob>(
		"edgesend-send-tests",
		bodies.map((body) => ({ id: `job-${++jobs}`, timestamp: new Date(), attempts: 1, body })),
	);
	const ctx = createExecutionContext();
	await consumeQueue(batch, { ...baseEnv, ...overrides } as Bindings, ctx, () => at ?? Date.now());
	return getQueueResult(batch, ctx);
}

/**
 * Runs the sweep of `ref`'s shard at `at` (default: now), as its alarm would:
 * final records' spooled bytes go, lost jobs come back; answers what it found.
 */
export async function sweepOf(ref: string, at = Date.now()) {
	const place = placeOf(ref);
	if (!place) throw new Error(`not a ref: ${ref}`);
	return env.MESSAGES.getByName(shardName(place)).sweep(at);
}

/** Whether the spool still holds an object for `ref`. */
export const spooled = async (ref: string) => (await env.SPOOL.head(`spool/${ref}`)) !== null;
