/**
 * The error classes that need settings of their own (a low limit, a relay that
 * refuses, a dead port, a small size limit): the EdgeSend entrypoint is built
 * here with those settings and called directly, then its rejection is sent
 * through a real RPC boundary (structured clone, as Workers RPC does) before
 * toProblem reads it. door.test.ts shows the same over the Worker's binding.
 */
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { toProblem } from "../../src/client";
import { EdgeSend } from "../../src/edgesend";
import type { Bindings } from "../../src/env";
import { baseEnv, type Overrides, relayAt } from "../api/support";
import { deadPort } from "../helpers/faults";
import { sharedRelays, startRelay } from "../helpers/relay";

const message = (tag: string, to = "ben@example.com") => ({
	from: "shop@example.com",
	to,
	subject: `rpc ${tag}`,
	text: `hello ${tag} ${"x".repeat(2000)}`,
});

const withSettings = (overrides: Overrides) => ({ ...baseEnv, ...overrides }) as unknown as Bindings;

/** Calls `send` on an entrypoint with the suite's settings plus `overrides`; the rejection as a caller sees it. */
async function rejectionOf(overrides: Overrides, to?: string) {
	const ctx = createExecutionContext();
	const door = new EdgeSend(ctx, withSettings(overrides));
	const error = await door.send(message(crypto.randomUUID(), to)).then(
		() => undefined,
		(e: unknown) => e,
	);
	await waitOnExecutionContext(ctx);
	if (!error) throw new Error("expected the call to reject");
	// What survives an RPC boundary: the error's class and message.
	const across = structuredClone(error) as Error;
	expect(across.name).toBe("EdgeSendError");
	return toProblem(across);
}

describe("each error class, read back by toProblem", () => {
	it("rate_limited (ours), with retryAfter", async () => {
		const user = `rpc_${crypto.randomUUID().slice(0, 8)}`;
		const relay = await startRelay({ security: "starttls", users: { [user]: "api_key" } });
		const overrides = relayAt(relay.port, { SMTP_USER: user, RATE_LIMIT_PER_MINUTE: "1" });
		const ctx = createExecutionContext();
		await new EdgeSend(ctx, withSettings(overrides)).send(message("first"));
		await waitOnExecutionContext(ctx);
		const problem = await rejectionOf(overrides);
		expect(problem).toMatchObject({ code: "rate_limited", status: 429 });
		expect(problem?.retryAfter).toBeGreaterThan(0);
		await relay.stop();
	});

	it("relay_rejected with the relay's reply in smtp", async () => {
		const problem = await rejectionOf({}, "rpc-reject@example.com");
		expect(problem).toMatchObject({ code: "relay_rejected", status: 502 });
		expect(problem?.smtp).toMatchObject({ stage: "rcpt", code: 550 });
		expect(problem?.rejected?.[0].address).toBe("rpc-reject@example.com");
		expect(await sharedRelays.starttls().messages()).not.toContainEqual(
			expect.objectContaining({ rcptTo: ["rpc-reject@example.com"] }),
		);
	});

	it("relay_unavailable for a relay that is not there, with retryAfter", async () => {
		const problem = await rejectionOf(relayAt(await deadPort(), { SMTP_SECURITY: "none" }));
		expect(problem).toMatchObject({ code: "relay_unavailable", status: 503 });
		expect(problem?.retryAfter).toBeGreaterThan(0);
	});

	it("payload_too_large over MAX_MESSAGE_BYTES, and config_invalid naming the setting", async () => {
		expect(await rejectionOf({ MAX_MESSAGE_BYTES: "1024" })).toMatchObject({ code: "payload_too_large", status: 413 });
		const misconfigured = await rejectionOf({ SMTP_PORT: "not-a-port" });
		expect(misconfigured).toMatchObject({ code: "config_invalid", status: 500 });
		expect(misconfigured?.errors?.map((e) => e.path)).toEqual(["SMTP_PORT"]);
	});
});
