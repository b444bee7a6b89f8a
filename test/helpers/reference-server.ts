/**
 * Test-side handle on nodemailer's smtp-server, started in the Node process
 * (see test/fixtures/reference-server.ts and control-server.ts).
 */
import type { ReferenceMessage, ReferenceServerOptions } from "../fixtures/relay-types.ts";
import { control } from "./relay.ts";

export type { ReferenceMessage };

export class ReferenceServerHandle {
	constructor(readonly port: number) {}

	async messages(): Promise<ReferenceMessage[]> {
		return ((await control(`/smtp-server/${this.port}`)) as { messages: ReferenceMessage[] }).messages;
	}

	async stop(): Promise<void> {
		await control(`/smtp-server/${this.port}`, { method: "DELETE" });
	}
}

/** Starts an smtp-server of its own for one test (remember to `stop()` it). */
export async function startReferenceServer(options: ReferenceServerOptions = {}): Promise<ReferenceServerHandle> {
	const { port } = (await control("/smtp-server", { method: "POST", body: JSON.stringify(options) })) as {
		port: number;
	};
	return new ReferenceServerHandle(port);
}
