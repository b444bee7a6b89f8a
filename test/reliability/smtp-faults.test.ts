/**
 * The SMTP client against a relay that misbehaves on purpose, at every stage
 * (the table in support/fault-cases.ts): each fault must end in the typed
 * SmtpError for its stage, with the socket closed, no rejection left
 * unhandled and no timer left running — and the next delivery to a healthy
 * relay must succeed.
 */
import { describe, expect, it } from "vitest";
import { type SmtpConfig, SmtpError, SmtpSession, sendMail } from "../../src/smtp";
import { deadPort, startFaultRelay } from "../helpers/faults";
import { sharedRelays } from "../helpers/relay";
import { type FaultCase, faultCases } from "./support/fault-cases";
import { textMessage } from "./support/message";
import { trackingConnector } from "./support/tracking-connector";
import { expectNothingLeftRunning, watch } from "./support/watch";

/** Reply and connect timeout where a hang ends the case: small, yet ample for a busy 2-core machine. */
const HANG_TIMEOUT_MS = 1000;

function config(port: number, security: SmtpConfig["security"], overrides: Partial<SmtpConfig> = {}): SmtpConfig {
	return {
		host: "localhost",
		port,
		security,
		user: "api_user",
		pass: "api_key",
		ehloName: "edgesend.test",
		connectTimeoutMs: 5000,
		replyTimeoutMs: 10_000,
		sessionTimeoutMs: 20_000,
		...overrides,
	};
}

const failureOf = (error: unknown) =>
	error instanceof SmtpError
		? { stage: error.stage, kind: error.kind, ...(error.code === undefined ? {} : { code: error.code }) }
		: error;

let serial = 0;
const marker = (label: string) => `${label}-${++serial}-${crypto.randomUUID().slice(0, 8)}`;

/** A delivery to the healthy shared relay, found again by its marker. */
async function expectHealthyDelivery() {
	const id = marker("healthy");
	const relay = sharedRelays.starttls();
	const delivery = await sendMail(config(relay.port, "starttls"), textMessage(id));
	expect(delivery.accepted).toEqual(["amy@example.com"]);
	const arrived = (await relay.messages()).filter((m) => m.data.includes(id));
	expect(arrived).toHaveLength(1);
}

async function runCase(c: FaultCase) {
	const relay = await startFaultRelay(c.script);
	try {
		const id = marker("fault");
		const to = c.to ?? ["amy@example.com"];
		const tracked = trackingConnector();
		const overrides: Partial<SmtpConfig> = { connector: tracked.connector };
		if (c.hangs) Object.assign(overrides, { replyTimeoutMs: HANG_TIMEOUT_MS, connectTimeoutMs: HANG_TIMEOUT_MS });
		const outcome = await watch(() => sendMail(config(relay.port, c.script.security, overrides), textMessage(id, to)));
		expect(tracked.connections.length).toBeGreaterThan(0);
		expect(
			tracked.connections.filter((connection) => !connection.closed),
			"sockets the client left open",
		).toEqual([]);
		const record = c.relayMissesClose ? await relay.record() : await relay.closedRecord();

		if (c.smtp === "delivered") {
			expect(outcome.error).toBeUndefined();
			const [message, ...more] = record.messages;
			expect(more).toEqual([]);
			expect(message.data).toContain(`Subject: fault test ${id}`);
			expect(message.data).toContain("\r\n.a line that starts with a dot\r\n");
			expect(message.rcptTo).toEqual(outcome.value?.accepted);
		} else {
			expect(outcome.error).toBeInstanceOf(SmtpError);
			expect(failureOf(outcome.error)).toEqual(c.smtp);
		}
		expect(record.connections.length).toBeGreaterThan(0);
		if (c.never) {
			const never = c.never;
			expect(record.commands.filter((command) => never.test(command))).toEqual([]);
		}
		expectNothingLeftRunning(outcome);
		return outcome;
	} finally {
		await relay.stop();
	}
}

describe("SMTP client under relay faults", () => {
	for (const c of faultCases) {
		it(c.name, async () => {
			const outcome = await runCase(c);
			if (c.name === "some recipients refused") {
				expect(outcome.value?.accepted).toEqual(["amy@example.com", "ben@example.com"]);
				expect(outcome.value?.rejected.map((r) => [r.address, r.code])).toEqual([["nobody@example.com", 550]]);
			}
			if (c.smtp !== "delivered" && c.smtp.code !== undefined) {
				// The relay's own words travel with the error.
				expect((outcome.error as SmtpError).reply).toMatch(new RegExp(`^${c.smtp.code}`));
			}
			await expectHealthyDelivery();
		});
	}

	it("a refused connection", async () => {
		const port = await deadPort();
		const outcome = await watch(() => sendMail(config(port, "none"), textMessage(marker("refused"))));
		expect(failureOf(outcome.error)).toEqual({ stage: "connect", kind: "unavailable" });
		expectNothingLeftRunning(outcome);
		await expectHealthyDelivery();
	});

	it("the session deadline bounds a relay that stops answering, whatever the reply timeout", async () => {
		const relay = await startFaultRelay({ security: "none", at: { mail: { hang: true } } });
		try {
			const outcome = await watch(() =>
				sendMail(
					config(relay.port, "none", { replyTimeoutMs: 600_000, sessionTimeoutMs: 1500 }),
					textMessage(marker("deadline")),
				),
			);
			expect(failureOf(outcome.error)).toEqual({ stage: "mail", kind: "timeout" });
			expectNothingLeftRunning(outcome);
			expect((await relay.closedRecord()).closed).toBe(true);
		} finally {
			await relay.stop();
		}
	});

	it("a refused transaction leaves the session usable: RSET, then the next message goes through", async () => {
		const relay = await startFaultRelay({
			security: "starttls",
			at: { mail: [{ reply: "550 5.7.1 Not this one" }, null] },
		});
		try {
			const session = await SmtpSession.open(config(relay.port, "starttls"));
			const first = await session.send(textMessage(marker("first"))).catch((error: unknown) => error);
			expect(failureOf(first)).toEqual({ stage: "mail", kind: "rejected", code: 550 });
			const second = marker("second");
			const delivery = await session.send(textMessage(second));
			await session.close();
			expect(delivery.id).toBe("fault_1");
			const record = await relay.closedRecord();
			expect(record.connections).toHaveLength(1);
			// The refused group was pipelined whole (MAIL, RCPT, DATA); RSET follows at once, answered before the next.
			expect(record.commands.filter((command) => /^(RSET|MAIL|DATA|QUIT)/.test(command))).toEqual([
				expect.stringMatching(/^MAIL FROM:<sender@example.com>/),
				"DATA",
				"RSET",
				expect.stringMatching(/^MAIL FROM:<sender@example.com>/),
				"DATA",
				"QUIT",
			]);
			expect(record.messages.map((m) => m.data.includes(second))).toEqual([true]);
		} finally {
			await relay.stop();
		}
	});
});
