/**
 * A pool call that fails (issue 20, finding 8): the Worker cannot tell from the
 * failure itself whether the relay could have the message (the runtime reads
 * the body stream as soon as it crosses RPC), so it asks the pool object
 * whether the job's content started. Never started: the message goes directly
 * and reaches the relay once. Started, or no answer: delivery_unknown, never
 * sent again. The pool object fails the way a crashed one does (state.abort())
 * while the relay holds its call at a chosen point; an unreachable one is a
 * stand-in binding whose calls fail.
 */
import { describe, expect, it, vi } from "vitest";
import type { RelayPool } from "../../src/pool";
import { baseEnv, message, post, problemOf } from "../api/support";
import { type FaultRecord, type FaultRelayHandle, startFaultRelay } from "../helpers/faults";
import { startRelay } from "../helpers/relay";
import { crashPool, jobMarks, pooled } from "./support";

const tagOf = (data: string) => /test ([\w-]+)/.exec(data)?.[1];

/** Until the relay's record satisfies `ready` (the pool's call is held where the test wants it). */
const waitUntil = (relay: FaultRelayHandle, what: string, ready: (record: FaultRecord) => boolean) =>
	vi.waitFor(
		async () => {
			if (!ready(await relay.record())) throw new Error(`the relay has not seen ${what} yet`);
		},
		{ timeout: 10_000, interval: 20 },
	);

/** A RELAY_POOL whose objects take the body (reading it, as the runtime does) and then fail every call. */
function unreachablePool(): DurableObjectNamespace<RelayPool> {
	const real = baseEnv.RELAY_POOL as DurableObjectNamespace<RelayPool>;
	const fail = () => Promise.reject(new Error("test: the pool object is unreachable"));
	const stub = {
		deliver: async (job: { body: ReadableStream<Uint8Array> }) => {
			await job.body.getReader().read();
			return fail();
		},
		abandon: fail,
	};
	return {
		idFromName: (name: string) => real.idFromName(name),
		get: () => stub,
	} as unknown as DurableObjectNamespace<RelayPool>;
}

describe("a pool call that fails", () => {
	it("before any session (the object crashed before the relay greeted it): sent directly, once", async () => {
		// The pool's connection is never greeted; the direct one, the second, is served normally.
		const relay = await startFaultRelay({ security: "starttls", atConnection: { 1: { greeting: { hang: true } } } });
		const sending = post("/v1/send", message("pool-down-early"), pooled(relay.port, { SMTP_TIMEOUT_MS: "20000" }));
		await waitUntil(relay, "the pool's connection", (r) => r.connections.length === 1);
		await crashPool(relay.port);
		const response = await sending;
		expect(response.status, await response.clone().text()).toBe(200);
		const record = await relay.record();
		expect(record.messages.map((m) => [tagOf(m.data), m.connectionId])).toEqual([
			["pool-down-early", record.connections[1].id],
		]);
		// The Worker's question left the job given up in the object: it can never start there now.
		expect((await jobMarks(relay.port)).map((m) => m.state)).toEqual(["abandoned"]);
		await relay.stop();
	});

	it("after the content started (the object crashed awaiting the final reply): delivery_unknown, not sent again", async () => {
		const relay = await startFaultRelay({ security: "starttls", at: { message: { hang: true } } });
		const sending = post("/v1/send", message("pool-down-late"), pooled(relay.port, { SMTP_TIMEOUT_MS: "20000" }));
		await waitUntil(relay, "the message", (r) => r.messages.length === 1);
		await crashPool(relay.port);
		const response = await sending;
		expect(response.status).toBe(502);
		expect((await problemOf(response)).code).toBe("delivery_unknown");
		const record = await relay.closedRecord();
		expect(record.messages.map((m) => tagOf(m.data))).toEqual(["pool-down-late"]);
		expect(record.connections).toHaveLength(1);
		// The mark made before the content went out outlived the crash; the question found it.
		expect((await jobMarks(relay.port)).map((m) => m.state)).toEqual(["started"]);
		await relay.stop();
	});

	it("to an object that cannot answer whether it started: delivery_unknown, nothing sent directly", async () => {
		const relay = await startRelay({ security: "starttls" });
		const response = await post(
			"/v1/send",
			message("pool-unreachable"),
			pooled(relay.port, { RELAY_POOL: unreachablePool() }),
		);
		expect(response.status).toBe(502);
		expect((await problemOf(response)).code).toBe("delivery_unknown");
		expect(await relay.connections()).toEqual([]);
		await relay.stop();
	});
});
