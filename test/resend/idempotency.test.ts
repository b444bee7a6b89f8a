/**
 * Idempotency-Key on POST /emails and /emails/batch through the resend SDK
 * (its idempotencyKey option): a retry answers the first id without sending
 * again; the key with another body is invalid_idempotent_request, while the
 * first is in flight concurrent_idempotent_requests (both 409, as Resend).
 */
import { describe, expect, it, vi } from "vitest";
import { relayAt } from "../api/support";
import { startFaultRelay } from "../helpers/faults";
import { startRelay } from "../helpers/relay";
import { resendClient, routeResendSdk } from "./support";

routeResendSdk();

const email = (subject: string) => ({ from: "a@example.com", to: "b@example.com", subject, text: "x" });
const freshKey = () => `welcome-user/${crypto.randomUUID()}`;

describe("Idempotency-Key through the resend SDK", () => {
	it("answers a retry with the first id and sends once; another body with the key is invalid_idempotent_request", async () => {
		const relay = await startRelay({ security: "starttls" });
		const resend = resendClient(relayAt(relay.port));
		const idempotencyKey = freshKey();
		const first = await resend.emails.send(email("once"), { idempotencyKey });
		const retry = await resend.emails.send(email("once"), { idempotencyKey });
		expect(retry.data).toEqual(first.data);
		expect(retry.headers?.["idempotent-replayed"]).toBe("true");
		const other = await resend.emails.send(email("another"), { idempotencyKey });
		expect(other.error).toMatchObject({ name: "invalid_idempotent_request", statusCode: 409 });

		const batchKey = freshKey();
		const batch = await resend.batch.send([email("b1"), email("b2")], { idempotencyKey: batchKey });
		expect((await resend.batch.send([email("b1"), email("b2")], { idempotencyKey: batchKey })).data).toEqual(
			batch.data,
		);
		expect(await relay.messages()).toHaveLength(3);
		await relay.stop();
	});

	it("takes keys of up to 256 characters and calls a longer one invalid_idempotency_key", async () => {
		const relay = await startRelay({ security: "starttls" });
		const resend = resendClient(relayAt(relay.port));
		expect((await resend.emails.send(email("long"), { idempotencyKey: "k".repeat(256) })).error).toBeNull();
		const tooLong = await resend.emails.send(email("long"), { idempotencyKey: "k".repeat(257) });
		expect(tooLong.error).toMatchObject({ name: "invalid_idempotency_key", statusCode: 400 });
		await relay.stop();
	});

	it("answers concurrent_idempotent_requests while the first is in flight", async () => {
		const relay = await startFaultRelay({ security: "none", at: { greeting: { hang: true } } });
		const resend = resendClient(relayAt(relay.port, { SMTP_SECURITY: "none" }));
		const idempotencyKey = freshKey();
		const first = resend.emails.send(email("slow"), { idempotencyKey });
		await vi.waitFor(
			async () => {
				if (!(await relay.record()).connections.length) throw new Error("the first request has not connected yet");
			},
			{ timeout: 10_000, interval: 20 },
		);
		const second = await resend.emails.send(email("slow"), { idempotencyKey });
		expect(second.error).toMatchObject({ name: "concurrent_idempotent_requests", statusCode: 409 });
		await relay.stop();
		expect((await first).error).toMatchObject({ name: "application_error", statusCode: 503 });
	});
});
