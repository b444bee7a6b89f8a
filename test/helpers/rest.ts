/**
 * Test-side handle on the imitations of the provider's REST API that live in
 * the Node process (test/fixtures/engagelab-rest.ts, control-server.ts): start
 * one for a test, read back what it took, change its mode, stop it.
 */
import type { RestMode, RestRecord, RestRelayOptionsJson } from "../fixtures/rest-types.ts";
import { control } from "./relay";

export type { RestMessage, RestMode, RestRecord } from "../fixtures/rest-types.ts";

export class RestRelayHandle {
	constructor(readonly port: number) {}

	/** The URL to give as ENGAGELAB_REST_URL (HTTPS, the test CA, `localhost`). */
	get url(): string {
		return `https://localhost:${this.port}`;
	}

	record(): Promise<RestRecord> {
		return control(`/rest/${this.port}`) as Promise<RestRecord>;
	}

	async setMode(mode: RestMode): Promise<void> {
		await control(`/rest/${this.port}/mode`, { method: "POST", body: JSON.stringify(mode) });
	}

	async stop(): Promise<void> {
		await control(`/rest/${this.port}`, { method: "DELETE" });
	}
}

/** Starts an imitation of the REST API for one test (remember to `stop()` it). */
export async function startRestRelay(options: RestRelayOptionsJson = {}): Promise<RestRelayHandle> {
	const { port } = (await control("/rest", { method: "POST", body: JSON.stringify(options) })) as { port: number };
	return new RestRelayHandle(port);
}
