/**
 * Test-side handle on the relays that live in the Node process (see
 * test/fixtures/control-server.ts): start a dedicated relay for a test, read
 * back what it recorded, stop it.
 */
import { env } from "cloudflare:workers";
import { inject } from "vitest";
import type { RecordedConnection, RecordedMessage, RelayOptionsJson } from "../fixtures/relay-types.ts";

export type { RecordedConnection, RecordedMessage };

export interface RelayRecord {
	connections: RecordedConnection[];
	messages: RecordedMessage[];
}

/** A call to the control server (test/fixtures/control-server.ts). */
export async function control(path: string, init?: RequestInit): Promise<unknown> {
	const res = await fetch(`${env.CONTROL_URL}${path}`, init);
	if (!res.ok) throw new Error(`control ${path}: ${res.status} ${await res.text()}`);
	return res.json();
}

export class RelayHandle {
	constructor(readonly port: number) {}

	record(): Promise<RelayRecord> {
		return control(`/relays/${this.port}`) as Promise<RelayRecord>;
	}

	async messages(): Promise<RecordedMessage[]> {
		return (await this.record()).messages;
	}

	async connections(): Promise<RecordedConnection[]> {
		return (await this.record()).connections;
	}

	async reset(): Promise<void> {
		await control(`/relays/${this.port}/reset`, { method: "POST" });
	}

	/** `down`: the port refuses connections; `up`: the relay is back on it; `hang`: connections are taken, never greeted. */
	async setMode(mode: "up" | "down" | "hang"): Promise<void> {
		await control(`/relays/${this.port}/mode`, { method: "POST", body: JSON.stringify({ mode }) });
	}

	async stop(): Promise<void> {
		await control(`/relays/${this.port}`, { method: "DELETE" });
	}
}

/** Starts a relay of its own for one test (remember to `stop()` it). */
export async function startRelay(options: RelayOptionsJson): Promise<RelayHandle> {
	const { port } = (await control("/relays", { method: "POST", body: JSON.stringify(options) })) as { port: number };
	return new RelayHandle(port);
}

/** The relays globalSetup started for the whole suite (shared: filter by something unique to your test). */
export const sharedRelays = {
	starttls: () => new RelayHandle(inject("relayStartTlsPort")),
	tls: () => new RelayHandle(inject("relayTlsPort")),
	plain: () => new RelayHandle(inject("relayPlainPort")),
	fallback: () => new RelayHandle(inject("relayFallbackPort")),
};

/** The bytes of a recorded message (recorded as latin1 text). */
export const messageBytes = (message: RecordedMessage): Uint8Array =>
	Uint8Array.from(message.data, (c) => c.charCodeAt(0));
