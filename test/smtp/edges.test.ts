/**
 * SMTP edges an outside review found (issue 11, items 14, 15, 18), each
 * against a real relay of the suite: the fault relay (late and refusing
 * answers, hang-ups) or the provider-imitating relay.
 */
import { afterEach, describe, expect, it } from "vitest";
import { DEFAULT_TIMEOUTS, type Delivery, FINAL_REPLY_FACTOR, SmtpError, SmtpSession } from "../../src/smtp";
import { type FaultRelayHandle, type FaultScript, startFaultRelay } from "../helpers/faults";
import { type RelayHandle, startRelay } from "../helpers/relay";
import { config, message } from "./helpers";

const faultRelays: FaultRelayHandle[] = [];
const relays: RelayHandle[] = [];
async function faultRelay(script: Omit<FaultScript, "security">): Promise<FaultRelayHandle> {
	const handle = await startFaultRelay({ security: "none", ...script });
	faultRelays.push(handle);
	return handle;
}
afterEach(async () => {
	await Promise.all([...faultRelays.splice(0), ...relays.splice(0)].map((r) => r.stop()));
});

const plain = (port: number, extra: Parameters<typeof config>[1] = {}) => config(port, { security: "none", ...extra });

async function outcome(promise: Promise<Delivery>): Promise<Delivery | SmtpError> {
	return promise.catch((error: unknown) => {
		expect(error).toBeInstanceOf(SmtpError);
		return error as SmtpError;
	});
}

describe("the session deadline and the reply to the final dot (item 14)", () => {
	it("a final dot answered after 400 ms in a 1 s session: never delivery_unknown; a transaction that cannot fit is not started", async () => {
		const r = await faultRelay({ at: { message: { reply: "250 2.0.0 queued late", delayMs: 400 } } });
		const session = await SmtpSession.open(plain(r.port, { sessionTimeoutMs: 1000 }));
		const results: (Delivery | SmtpError)[] = [];
		for (let i = 0; i < 5; i++) results.push(await outcome(session.send(message(`message ${i}\r\n`))));
		await session.close();

		const unknown = results.filter((x) => x instanceof SmtpError && x.kind === "unknown");
		expect(unknown.map((e) => (e as SmtpError).message)).toEqual([]);
		const delivered = results.filter((x) => !(x instanceof SmtpError));
		expect(delivered.length).toBeGreaterThan(0);
		const notStarted = results.filter((x) => x instanceof SmtpError);
		expect(notStarted.length).toBeGreaterThan(0);
		for (const e of notStarted as SmtpError[]) expect([e.stage, e.kind]).toEqual(["mail", "timeout"]);
		expect(session.usable).toBe(false);
		// The relay saw a transaction for exactly the messages that were delivered.
		const record = await r.closedRecord();
		expect(record.commands.filter((c) => c.startsWith("MAIL FROM:"))).toHaveLength(delivered.length);
		expect(record.messages.map((m) => m.answer)).toEqual(delivered.map(() => "250 2.0.0 queued late"));
	});

	it("the final reply has its own timeout, finalReplyTimeoutMs (default twice the reply timeout: 60 s), not the session deadline's", async () => {
		expect(FINAL_REPLY_FACTOR * DEFAULT_TIMEOUTS.replyTimeoutMs).toBe(60_000);
		const r = await faultRelay({ at: { message: { reply: "250 2.0.0 queued late", delayMs: 300 } } });
		// A session deadline shorter than the relay's answer to the dot: the first message still gets its answer.
		const session = await SmtpSession.open(plain(r.port, { sessionTimeoutMs: 200 }));
		const delivery = await session.send(message("late\r\n"));
		expect(delivery.reply).toBe("250 2.0.0 queued late");
		await session.close();
		// And a final reply slower than finalReplyTimeoutMs is unknown, as it must be.
		const slow = await faultRelay({ at: { message: { hang: true } } });
		const s2 = await SmtpSession.open(plain(slow.port, { finalReplyTimeoutMs: 150 }));
		const error = await outcome(s2.send(message("never answered\r\n")));
		expect(error).toBeInstanceOf(SmtpError);
		expect([(error as SmtpError).stage, (error as SmtpError).kind]).toEqual(["message", "unknown"]);
		expect((error as SmtpError).message).toMatch(/final dot|may have been accepted/);
		await s2.close();
	});
});

describe("a refusal, then a hang-up (item 15)", () => {
	const cases: [string, Omit<FaultScript, "security">, string[]][] = [
		[
			"550 to one RCPT, 421 and close on the next (no pipelining)",
			{
				pipelining: false,
				at: { rcpt: [{ reply: "550 5.1.1 no such user" }, { reply: "421 4.3.2 bye", thenDrop: true }] },
			},
			["a@example.com", "b@example.com"],
		],
		[
			"550 to the only RCPT, then close (Haraka's DENYDISCONNECT, no pipelining)",
			{ pipelining: false, at: { rcpt: { reply: "550 5.7.1 denied", thenDrop: true } } },
			["a@example.com"],
		],
		[
			"550 to the final dot, then close",
			{ at: { message: { reply: "550 5.7.1 content refused", thenDrop: true } } },
			["a@example.com"],
		],
		[
			"550 to MAIL, then close",
			{ at: { mail: { reply: "550 5.7.1 sender refused", thenDrop: true } } },
			["a@example.com"],
		],
		[
			"550 to one RCPT, 421 and close on the next (pipelined)",
			{ at: { rcpt: [{ reply: "550 5.1.1 no such user" }, { reply: "421 4.3.2 bye", thenDrop: true }] } },
			["a@example.com", "b@example.com"],
		],
	];
	for (const [label, script, to] of cases) {
		it(`${label}: the session is unusable, whatever the first error was`, async () => {
			const r = await faultRelay(script);
			const session = await SmtpSession.open(plain(r.port));
			expect(session.usable).toBe(true);
			const first = await outcome(session.send(message("refused\r\n", to)));
			expect(first).toBeInstanceOf(SmtpError);
			expect(session.usable).toBe(false);
			const second = await outcome(session.send(message("next\r\n")));
			expect(second).toBeInstanceOf(SmtpError);
			expect((second as SmtpError).message).toMatch(/unusable|closed/);
			await session.close();
			await r.closedRecord();
		});
	}

	it("a refusal on a connection that stays open leaves the session usable", async () => {
		const r = await faultRelay({ pipelining: false, at: { rcpt: [{ reply: "550 5.1.1 no such user" }, null] } });
		const session = await SmtpSession.open(plain(r.port));
		expect(await outcome(session.send(message("refused\r\n", ["a@example.com"])))).toBeInstanceOf(SmtpError);
		expect(session.usable).toBe(true);
		const delivery = await session.send(message("next\r\n"));
		expect(delivery.accepted).toEqual(["ben@example.com"]);
		await session.close();
	});
});

describe('quoted local parts: "john doe"@example.com (item 18)', () => {
	it("go quoted in MAIL FROM and RCPT TO (RFC 5321 §4.1.2)", async () => {
		const r = await startRelay({ security: "none" });
		relays.push(r);
		const session = await SmtpSession.open(plain(r.port));
		const m = message("quoted\r\n", ['"jane q. public"@example.com', '"a\\"b"@example.com']);
		const delivery = await session.send({ ...m, envelope: { ...m.envelope, from: '"john doe"@example.com' } });
		await session.close();
		expect(delivery.accepted).toEqual(['"jane q. public"@example.com', '"a\\"b"@example.com']);
		const [conn] = await r.connections();
		expect(conn.commands.find((c) => c.startsWith("MAIL FROM:"))).toMatch(
			/^MAIL FROM:<"john doe"@example\.com> SIZE=\d+$/,
		);
		expect(conn.commands).toContain('RCPT TO:<"jane q. public"@example.com>');
		expect(conn.commands).toContain('RCPT TO:<"a\\"b"@example.com>');
	});

	for (const bad of [
		"john doe@example.com",
		'"open@example.com',
		'"a"b"@example.com',
		'"a\r\nRSET"@example.com',
		"a<b@x",
	]) {
		it(`${JSON.stringify(bad)} is refused by the client itself, marked local, nothing sent`, async () => {
			const r = await faultRelay({});
			const session = await SmtpSession.open(plain(r.port));
			const error = await outcome(session.send(message("x\r\n", [bad])));
			expect(error).toBeInstanceOf(SmtpError);
			expect((error as SmtpError).local).toBe(true);
			expect(session.usable).toBe(true);
			await session.close();
			const record = await r.closedRecord();
			expect(record.commands.filter((c) => /^(MAIL|RCPT)/.test(c))).toEqual([]);
		});
	}
});
