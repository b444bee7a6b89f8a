/**
 * Test-side handle on the fault relays that live in the Node process (see
 * test/fixtures/fault-relay.ts and control-server.ts): start one with a
 * script, read back what it recorded, wait for its connections to close,
 * stop it.
 */
import { env } from "cloudflare:workers";
import { vi } from "vitest";
import type { FaultRecord, FaultScript } from "../fixtures/fault-types.ts";

export type { FaultAction, FaultRecord, FaultScript, FaultStage } from "../fixtures/fault-types.ts";

async function control(path: string, init?: RequestInit): Promise<unknown> {
	const res = await fetch(`${env.CONTROL_URL}${path}`, init);
	if (!res.ok) throw new Error(`control ${path}: ${res.status} ${await res.text()}`);
	return res.json();
}

export class FaultRelayHandle {
	constructor(readonly port: number) {}

	record(): Promise<FaultRecord> {
		return control(`/faults/${this.port}`) as Promise<FaultRecord>;
	}

	/**
	 * The record once every connection the relay saw has closed (polled: the
	 * relay learns of a close a moment after the client makes it). Fails if
	 * a connection is still open after `boundMs`.
	 */
	async closedRecord(boundMs = 5000): Promise<FaultRecord> {
		return vi.waitFor(
			async () => {
				const record = await this.record();
				if (!record.closed) throw new Error(`a connection to fault relay ${this.port} is still open`);
				return record;
			},
			{ timeout: boundMs, interval: 20 },
		);
	}

	async stop(): Promise<void> {
		await control(`/faults/${this.port}`, { method: "DELETE" });
	}
}

/** Starts a fault relay of its own for one test (remember to `stop()` it). */
export async function startFaultRelay(script: FaultScript): Promise<FaultRelayHandle> {
	const { port } = (await control("/faults", { method: "POST", body: JSON.stringify(script) })) as { port: number };
	return new FaultRelayHandle(port);
}

/** A port on which nothing listens any more (a fault relay started, then stopped). */
export async function deadPort(): Promise<number> {
	const relay = await startFaultRelay({ security: "none" });
	await relay.stop();
	return relay.port;
}
