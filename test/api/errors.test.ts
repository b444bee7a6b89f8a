/**
 * Each error class, produced for real: by the suite's relays misbehaving on
 * purpose (fault relay), by the provider imitation's own limits, or by the
 * request itself. Every answer is a problem with a stable code.
 */
import { describe, expect, it } from "vitest";
import { deadPort, startFaultRelay } from "../helpers/faults";
import { startRelay } from "../helpers/relay";
import { auth, call, message, type Overrides, post, problemOf, relayAt } from "./support";

/** Settings for a plaintext fault relay on loopback, with an api_user of the test's own. */
const faultAt = (port: number, extra: Record<string, string> = {}) =>
	relayAt(port, { SMTP_SECURITY: "none", ...extra });

const uniqueUser = (prefix: string) => `${prefix}_${crypto.randomUUID().slice(0, 8)}`;

const usage = async (overrides: Overrides) =>
	(await (await call("/v1/limits", { headers: auth }, overrides)).json()) as { used: number };

describe("credentials", () => {
	it("401 without a key, with a wrong key, or with another scheme", async () => {
		const body = JSON.stringify(message("x"));
		const attempts: Record<string, string>[] = [
			{ "Content-Type": "application/json" },
			{ "Content-Type": "application/json", Authorization: "Bearer edgesend-test-key-3" },
			{ "Content-Type": "application/json", Authorization: "Basic dGVzdC1rZXktMTo=" },
		];
		for (const headers of attempts) {
			const response = await call("/v1/send", { method: "POST", headers, body });
			expect(response.status).toBe(401);
			expect(response.headers.get("WWW-Authenticate")).toMatch(/^Bearer/);
			const p = await problemOf(response);
			expect(p.code).toBe("unauthorized");
			expect(JSON.stringify(p)).not.toContain("test-key");
		}
		expect((await call("/v1/limits", { headers: { Authorization: "Bearer edgesend-test-key-2" } })).status).toBe(200);
	});
});

describe("size", () => {
	it("413 for a body over the limit, before it is parsed", async () => {
		const huge = "x".repeat(70 * 1024);
		const response = await post("/v1/send", message("big", { text: huge }), { MAX_MESSAGE_BYTES: "2048" });
		expect(response.status).toBe(413);
		expect((await problemOf(response)).code).toBe("payload_too_large");
	});

	it("413 for an encoded message over MAX_MESSAGE_BYTES or over the relay's SIZE, with nothing sent", async () => {
		const relay = await startRelay({ security: "starttls", size: 4000 });
		const text = "y".repeat(6000);
		const ours = await post("/v1/send", message("big", { text }), relayAt(relay.port, { MAX_MESSAGE_BYTES: "5000" }));
		expect(ours.status).toBe(413);
		expect((await problemOf(ours)).detail).toMatch(/MAX_MESSAGE_BYTES/);
		const theirs = await post("/v1/send", message("big", { text: text.slice(0, 4500) }), relayAt(relay.port));
		expect(theirs.status).toBe(413);
		expect((await problemOf(theirs)).detail).toMatch(/SIZE/);
		const commands = (await relay.connections()).flatMap((c) => c.commands);
		expect(commands.some((c) => c.startsWith("MAIL"))).toBe(false);
		await relay.stop();
	});
});

describe("the relay says no", () => {
	it("536 from the relay → 429, then 429 from our limiter without a new SMTP connection", async () => {
		const user = uniqueUser("cool");
		const relay = await startRelay({ security: "starttls", users: { [user]: "api_key" }, perMinute: 1 });
		const overrides = relayAt(relay.port, { SMTP_USER: user });
		expect((await post("/v1/send", message("first"), overrides)).status).toBe(200);

		const limited = await post("/v1/send", message("second"), overrides);
		expect(limited.status).toBe(429);
		expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
		const p = await problemOf(limited);
		expect(p.code).toBe("rate_limited");
		expect(p.smtp).toMatchObject({ stage: "mail", code: 536 });
		const connectionsAfter536 = (await relay.connections()).length;
		expect(connectionsAfter536).toBe(2);

		const third = await post("/v1/send", message("third"), overrides);
		expect(third.status).toBe(429);
		expect(third.headers.get("Retry-After")).toBeTruthy();
		const q = await problemOf(third);
		expect(q.code).toBe("rate_limited");
		expect(q.smtp).toBeUndefined();
		expect((await relay.connections()).length).toBe(connectionsAfter536);
		expect(await relay.messages()).toHaveLength(1);
		await relay.stop();
	});

	it("550 at MAIL → 502 relay_rejected with the reply; the permit goes back", async () => {
		const user = uniqueUser("rejected");
		const relay = await startFaultRelay({
			security: "none",
			users: { [user]: "api_key" },
			at: { mail: { reply: "550 5.7.1 Sender address rejected" } },
		});
		const overrides = faultAt(relay.port, { SMTP_USER: user });
		const response = await post("/v1/send", message("550"), overrides);
		expect(response.status).toBe(502);
		const p = await problemOf(response);
		expect(p.code).toBe("relay_rejected");
		expect(p.smtp).toEqual({
			stage: "mail",
			code: 550,
			enhancedCode: "5.7.1",
			reply: expect.stringContaining("Sender address rejected"),
		});
		expect((await usage(overrides)).used).toBe(0);
		expect((await relay.closedRecord()).messages).toHaveLength(0);
		await relay.stop();
	});

	it("451 at MAIL → 503 relay_unavailable with Retry-After", async () => {
		const relay = await startFaultRelay({ security: "none", at: { mail: { reply: "451 4.3.0 Try again later" } } });
		const response = await post("/v1/send", message("451"), faultAt(relay.port));
		expect(response.status).toBe(503);
		expect(Number(response.headers.get("Retry-After"))).toBeGreaterThan(0);
		const p = await problemOf(response);
		expect(p.code).toBe("relay_unavailable");
		expect(p.smtp).toMatchObject({ stage: "mail", code: 451, enhancedCode: "4.3.0" });
		await relay.stop();
	});

	it("a refused recipient is listed; all refused is 502 with each one", async () => {
		const relay = await startRelay({ security: "starttls", rejectRecipient: "^nobody" });
		const some = await post(
			"/v1/send",
			message("rcpt", { to: ["ben@example.com", "nobody@example.com"] }),
			relayAt(relay.port),
		);
		expect(some.status).toBe(200);
		expect(await some.json()).toMatchObject({
			accepted: ["ben@example.com"],
			rejected: [{ address: "nobody@example.com", code: 550, enhancedCode: "5.1.1" }],
		});
		const none = await post("/v1/send", message("rcpt", { to: ["nobody@example.com"] }), relayAt(relay.port));
		expect(none.status).toBe(502);
		const p = (await problemOf(none)) as Awaited<ReturnType<typeof problemOf>> & { rejected: unknown[] };
		expect(p.smtp).toMatchObject({ stage: "rcpt", code: 550 });
		expect(p.rejected).toEqual([expect.objectContaining({ address: "nobody@example.com", code: 550 })]);
		await relay.stop();
	});

	it("a relay that never answers → 504 relay_timeout", async () => {
		const relay = await startFaultRelay({ security: "none", at: { greeting: { hang: true } } });
		const response = await post("/v1/send", message("hang"), faultAt(relay.port, { SMTP_TIMEOUT_MS: "300" }));
		expect(response.status).toBe(504);
		const p = await problemOf(response);
		expect(p.code).toBe("relay_timeout");
		expect(p.smtp?.stage).toBe("greeting");
		await relay.stop();
	});

	it("nobody listening → 503 relay_unavailable at connect", async () => {
		const response = await post("/v1/send", message("dead"), faultAt(await deadPort()));
		expect(response.status).toBe(503);
		const p = await problemOf(response);
		expect(p.code).toBe("relay_unavailable");
		expect(p.smtp?.stage).toBe("connect");
	});

	it("the connection lost after the final dot → delivery_unknown, which says the mail may have been sent", async () => {
		const relay = await startFaultRelay({ security: "none", at: { message: { drop: true } } });
		const response = await post("/v1/send", message("dropped"), faultAt(relay.port));
		const p = await problemOf(response);
		expect(p.code).toBe("delivery_unknown");
		expect(response.headers.get("Retry-After")).toBeNull();
		expect(p.detail).toMatch(/may have been accepted/);
		expect(p.detail).toMatch(/not retry blindly/i);
		expect((await relay.closedRecord()).messages).toHaveLength(1);
		await relay.stop();
	});
});

describe("what only the session can tell", () => {
	it("a UTF-8 local part needs SMTPUTF8: 400 naming the field when the relay lacks it, sent when it has it", async () => {
		const body = message("utf8", { to: ["ok@example.com", { email: "josé@example.com" }] });
		const plain = await startRelay({ security: "starttls" });
		const refused = await post("/v1/send", body, relayAt(plain.port));
		expect(refused.status).toBe(400);
		expect((await problemOf(refused)).errors).toEqual([
			{ path: "to[1].email", message: expect.stringMatching(/SMTPUTF8/) },
		]);
		expect(await plain.messages()).toHaveLength(0);
		await plain.stop();

		const capable = await startRelay({ security: "starttls", smtpUtf8: true });
		const sent = await post("/v1/send", body, relayAt(capable.port));
		expect(sent.status).toBe(200);
		expect((await capable.messages())[0].rcptTo).toEqual(["ok@example.com", "josé@example.com"]);
		await capable.stop();
	});

	it("a url attachment whose server cannot be reached → 503 attachment_unavailable naming it, nothing sent", async () => {
		const relay = await startRelay({ security: "starttls" });
		const url = `https://localhost:${await deadPort()}/chart.png`;
		const response = await post(
			"/v1/send",
			message("url", { attachments: [{ filename: "chart.png", url }] }),
			relayAt(relay.port),
		);
		expect(response.status).toBe(503);
		expect(response.headers.get("Retry-After")).toBeTruthy();
		const p = await problemOf(response);
		expect(p.code).toBe("attachment_unavailable");
		expect(p.errors?.[0].path).toBe("attachments[0].url");
		expect(await relay.connections()).toHaveLength(0);
		await relay.stop();
	});
});
