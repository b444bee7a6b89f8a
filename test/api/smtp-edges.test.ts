/**
 * The API side of the SMTP edges (issue 11, items 15 and 18): a batch whose
 * relay hangs up after a refusal goes on over a new session, and a refusal
 * the client makes itself is never reported as the relay's.
 */
import { describe, expect, it } from "vitest";
import { smtpOutcome } from "../../src/send/smtp-problem";
import { SmtpError } from "../../src/smtp";
import { startFaultRelay } from "../helpers/faults";
import { startRelay } from "../helpers/relay";
import { postJson, relaySettings } from "../reliability/support/api";

type Result = { status: number; id?: string; code?: string; errors?: { path: string }[] };

const messageNumber = (n: number) => ({
	from: "Sender <sender@example.com>",
	to: ["amy@example.com"],
	subject: `batch message ${n}`,
	text: `body ${n}`,
});

describe("a refusal, then a hang-up, inside a batch (item 15)", () => {
	it("the rest of the batch goes over a new session", async () => {
		const relay = await startFaultRelay({
			security: "none",
			// Only the first connection refuses the second message's content, then hangs up (DENYDISCONNECT).
			atConnection: { 1: { message: [null, { reply: "550 5.7.1 content refused", thenDrop: true }] } },
		});
		try {
			const messages = [1, 2, 3, 4].map(messageNumber);
			const response = await postJson("/v1/batch", { messages }, relaySettings(relay.port, "none"));
			expect(response.status).toBe(200);
			const { results } = (await response.json()) as { results: Result[] };
			expect(results.map((r) => r.status)).toEqual([200, 502, 200, 200]);
			expect(results[1].code).toBe("relay_rejected");
			const record = await relay.closedRecord();
			expect(record.connections).toHaveLength(2);
			expect(record.messages.map((m) => [m.connectionId, /batch message (\d)/.exec(m.data)?.[1]])).toEqual([
				[1, "1"],
				[1, "2"],
				[2, "3"],
				[2, "4"],
			]);
		} finally {
			await relay.stop();
		}
	});
});

describe("refusals the client makes itself (item 18)", () => {
	it('"john doe"@example.com goes to the relay quoted, through /v1/send', async () => {
		const relay = await startRelay({ security: "none" });
		try {
			const response = await postJson(
				"/v1/send",
				{ from: '"john doe"@example.com', to: ['"jane q. public"@example.com'], subject: "quoted", text: "hi" },
				relaySettings(relay.port, "none"),
			);
			expect(response.status, await response.clone().text()).toBe(200);
			const [message] = await relay.messages();
			expect(message.mailFrom).toBe('"john doe"@example.com');
			expect(message.rcptTo).toEqual(['"jane q. public"@example.com']);
		} finally {
			await relay.stop();
		}
	});

	it("a local refusal is a 400 naming the envelope field, never relay_rejected", () => {
		const rcpt = smtpOutcome(
			new SmtpError('not a usable envelope address: "a b@x"', { stage: "rcpt", kind: "rejected", local: true }),
		);
		expect(rcpt.problem).toMatchObject({ status: 400, code: "validation_failed", errors: [{ path: "to" }] });
		expect(rcpt.release).toBe(true);
		const mail = smtpOutcome(
			new SmtpError("not a usable envelope address", { stage: "mail", kind: "rejected", local: true }),
		);
		expect(mail.problem).toMatchObject({ status: 400, code: "validation_failed", errors: [{ path: "from" }] });
		const size = smtpOutcome(
			new SmtpError("the message is 9 bytes; the relay accepts at most 5 (SIZE)", {
				stage: "mail",
				kind: "rejected",
				code: 552,
				local: true,
			}),
		);
		expect(size.problem).toMatchObject({ status: 413, code: "payload_too_large" });
		expect(size.problem.detail).not.toMatch(/relay refused/);
	});
});
