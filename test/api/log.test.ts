/**
 * One JSON log line per request: route, status, duration, relay id, SMTP
 * stage and code on failure — and never a key, a password or message content.
 */
import { afterEach, describe, expect, it, vi } from "vitest";
import { startFaultRelay } from "../helpers/faults";
import { startRelay } from "../helpers/relay";
import { message, post, relayAt } from "./support";

type Line = Record<string, unknown>;

function captureLog() {
	const spy = vi.spyOn(console, "log").mockImplementation(() => {});
	return {
		lines: () => spy.mock.calls.map(([text]) => JSON.parse(String(text)) as Line).filter((l) => l.msg === "request"),
		raw: () => spy.mock.calls.map(([text]) => String(text)).join("\n"),
	};
}

afterEach(() => vi.restoreAllMocks());

describe("request log", () => {
	it("has the route, status, relay id and request id of a send, and no secret or content", async () => {
		const relay = await startRelay({ security: "starttls" });
		const log = captureLog();
		const secret = "Subject-Secret-4711";
		const response = await post(
			"/v1/send",
			message("log", { subject: secret, text: "Body-Secret-0815" }),
			relayAt(relay.port, { WEBHOOK_SECRET: `whsec_${btoa("webhook-secret-bytes-long")}` }),
		);
		const sent = (await response.json()) as { id: string };
		const [line] = log.lines();
		expect(line).toMatchObject({
			level: "info",
			method: "POST",
			route: "/v1/send",
			status: 200,
			caller: "bearer",
			relayId: sent.id,
			requestId: response.headers.get("X-Request-Id"),
		});
		expect(typeof line.durationMs).toBe("number");
		for (const hidden of [
			"edgesend-test-key-1",
			"api_key",
			secret,
			"Body-Secret-0815",
			"ben@example.com",
			btoa("webhook-secret-bytes-long"),
		]) {
			expect(log.raw()).not.toContain(hidden);
		}
		await relay.stop();
	});

	it("has the SMTP stage and problem code of a failure", async () => {
		const relay = await startFaultRelay({ security: "none", at: { rcpt: { reply: "550 5.1.1 No such user" } } });
		const log = captureLog();
		const response = await post("/v1/send", message("log-fail"), relayAt(relay.port, { SMTP_SECURITY: "none" }));
		expect(response.status).toBe(502);
		expect(log.lines()[0]).toMatchObject({ level: "error", status: 502, code: "relay_rejected", smtpStage: "rcpt" });
		await relay.stop();
	});
});
