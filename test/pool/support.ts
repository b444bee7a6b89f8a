/**
 * What the pool tests share: settings with the pool on for a relay of the
 * test's own, the RelayPool objects of a relay (to read their socket counts
 * and job marks, or crash one), and reading the Server-Timing `relay` metric.
 */
import { runInDurableObject } from "cloudflare:test";
import type { PoolStats, RelayPool } from "../../src/pool";
import { SHARDS, shardName } from "../../src/pool";
import { baseEnv, type Overrides, relayAt } from "../api/support";

/** The suite runs with SMTP_POOL=off (vitest.config.ts); these tests turn it on. */
export const pooled = (port: number, extra: Overrides = {}): Overrides => relayAt(port, { SMTP_POOL: "on", ...extra });

const namespace = () => baseEnv.RELAY_POOL as DurableObjectNamespace<RelayPool>;

/** The pool object of one shard for the suite's api_user at `port`. */
export const poolObject = (port: number, shard = 0, authUser = "api_user") =>
	namespace().get(namespace().idFromName(shardName("localhost", port, authUser, shard)));

/** Every shard's counters for the suite's api_user at `port`. */
export const allStats = (port: number, authUser = "api_user"): Promise<PoolStats[]> =>
	Promise.all(Array.from({ length: SHARDS }, (_, shard) => poolObject(port, shard, authUser).stats()));

/** Resets a pool object as a crash would (state.abort()); nothing it held survives. */
export async function crashPool(port: number): Promise<void> {
	await runInDurableObject(poolObject(port), (_instance: RelayPool, state) => state.abort("test: crash")).catch(
		(error: unknown) => {
			if (!String(error).includes("test: crash")) throw error;
		},
	);
}

/** What a pool object remembers of the jobs it was handed (src/pool/job-marks.ts), oldest first. */
export async function jobMarks(port: number, shard = 0): Promise<{ job_id: string; state: string }[]> {
	return runInDurableObject(poolObject(port, shard), (_instance: RelayPool, state) =>
		state.storage.sql
			.exec<{ job_id: string; state: string }>("SELECT job_id, state FROM job_marks ORDER BY at")
			.toArray(),
	);
}

/** `warm` or `new` from `Server-Timing: relay;dur=…;desc="…"`; fails on any other shape. */
export function relayTiming(response: Response): "warm" | "new" {
	const header = response.headers.get("Server-Timing") ?? "";
	const match = /^relay;dur=\d+;desc="(warm|new)"$/.exec(header);
	if (!match) throw new Error(`no relay metric in Server-Timing: ${JSON.stringify(header)}`);
	return match[1] as "warm" | "new";
}

/** AUTH commands on a recorded connection. */
export const auths = (commands: string[]) => commands.filter((c) => c.startsWith("AUTH")).length;
