/**
 * The burst project's servers (vitest.config.ts): a control server and one
 * relay that, like the provider, answers `536 Frequency limited` past its
 * per-minute budget — the same figure the Worker is configured with.
 */
import type { TestProject } from "vitest/node";
import { ControlServer } from "../fixtures/control-server.ts";

/** RATE_LIMIT_PER_MINUTE for the burst, and the relay's own budget. */
const PER_MINUTE = 600;

export default async function setup(project: TestProject) {
	const control = new ControlServer();
	project.provide("controlPort", await control.listen());
	const relay = await control.add({ security: "starttls", perMinute: PER_MINUTE });
	project.provide("burstRelayPort", relay.port);
	project.provide("burstPerMinute", PER_MINUTE);
	return async () => {
		await control.close();
	};
}
