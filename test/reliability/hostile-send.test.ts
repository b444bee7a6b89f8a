/**
 * The hostile-input corpus (hostile/*.ts), one request per case, through
 * POST /v1/send (and /v1/batch for the batch-envelope cases) against a
 * recording relay that defends itself like Haraka: each case is refused with
 * the expected 4xx naming its field and nothing reaches the relay, or it
 * arrives as exactly one message equal to its input over a clean session.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RelayHandle, startRelay } from "../helpers/relay";
import { expectCleanSession, expectDeliveredAsInput, expectRefused } from "./hostile/check";
import { type HostileCase, hostileCases } from "./hostile/index";
import { auth, call, relaySettings, type SentBody } from "./support/api";

let relay: RelayHandle;
beforeAll(async () => {
	relay = await startRelay({ security: "none" });
});
afterAll(async () => {
	await relay.stop();
});

function request(c: HostileCase): Promise<Response> {
	const settings = relaySettings(relay.port, "none", c.overrides);
	if (c.raw) {
		const body = typeof c.raw.body === "string" ? c.raw.body : c.raw.body();
		const headers = { ...auth, ...(c.raw.contentType ? { "Content-Type": c.raw.contentType } : {}) };
		return call(c.raw.path, { method: "POST", headers, body }, settings);
	}
	return call("/v1/send", { method: "POST", headers: auth, body: JSON.stringify(c.message) }, settings);
}

describe("hostile input, one request each", () => {
	it("the corpus has at least 150 cases, every one with an expectation", () => {
		expect(hostileCases.length).toBeGreaterThanOrEqual(150);
		expect(new Set(hostileCases.map((c) => c.name)).size).toBe(hostileCases.length);
		for (const c of hostileCases) expect(Boolean(c.message) !== Boolean(c.raw), c.name).toBe(true);
	});

	for (const c of hostileCases) {
		it(`${c.group}: ${c.name}`, async () => {
			await relay.reset();
			const response = await request(c);
			const record = await relay.record();
			if ("reject" in c.expect) {
				await expectRefused(response, c.expect.reject);
				expect(record.connections, "nothing may reach the relay").toEqual([]);
				return;
			}
			expect(response.status, await response.clone().text()).toBe(200);
			const sent = (await response.json()) as SentBody & { warnings: { code: string; path: string }[] };
			expect(record.messages).toHaveLength(1);
			const [message] = record.messages;
			expect(sent.id).toBe(message.queueId);
			await expectDeliveredAsInput(message, c.message as Record<string, unknown>);
			expectCleanSession(
				record.connections.find((connection) => connection.id === message.connectionId),
				1,
			);
			const warnings = sent.warnings.map(({ code, path }) => ({ code, path }));
			expect(warnings).toEqual(c.expect.deliver.warnings ?? []);
		});
	}
});
