/**
 * Starts, in Node, the servers the suite talks to from inside workerd, and
 * hands their ports to the tests (and to the Miniflare bindings) via provide().
 */
import type { TestProject } from "vitest/node";
import { ControlServer } from "./fixtures/control-server.ts";

export default async function setup(project: TestProject) {
	const control = new ControlServer();
	const controlPort = await control.listen();
	// rpc-reject@…: a recipient the shared relay refuses, for callers whose settings cannot point elsewhere (the RPC door).
	const starttls = await control.add({ security: "starttls", rejectRecipient: /^rpc-reject@/ });
	const implicit = await control.add({ security: "tls" });
	const plain = await control.add({ security: "none" });
	// A second relay for the failover tests that need one where settings cannot be per test (the RPC door).
	const fallback = await control.add({ security: "starttls" });
	project.provide("controlPort", controlPort);
	project.provide("relayStartTlsPort", starttls.port);
	project.provide("relayTlsPort", implicit.port);
	project.provide("relayPlainPort", plain.port);
	project.provide("relayFallbackPort", fallback.port);
	return async () => {
		await control.close();
	};
}
