/**
 * A transaction's own deadline (src/smtp/deadline.ts), against the fault
 * relay: past `startBy` nothing of the message is sent and the session goes
 * on; a wait before the final dot is cut at `contentBy`; the reply to the
 * final dot is not (the relay has the message by then).
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Delivery, SmtpError, SmtpSession, sendMail } from "../../src/smtp";
import { type FaultRelayHandle, type FaultScript, startFaultRelay } from "../helpers/faults";
import { config, message } from "./helpers";

const relays: FaultRelayHandle[] = [];
async function faultRelay(script: Omit<FaultScript, "security"> = {}): Promise<FaultRelayHandle> {
	const handle = await startFaultRelay({ security: "none", ...script });
	relays.push(handle);
	return handle;
}
afterEach(async () => {
	await Promise.all(relays.splice(0).map((r) => r.stop()));
});

const plain = (port: number) => config(port, { security: "none" });

async function outcome(promise: Promise<Delivery>): Promise<Delivery | SmtpError> {
	return promise.catch((error: unknown) => {
		expect(error).toBeInstanceOf(SmtpError);
		return error as SmtpError;
	});
}

const mails = (commands: string[]) => commands.filter((c) => c.startsWith("MAIL FROM:"));

describe("a permit's transaction deadline", () => {
	it("past startBy: refused before MAIL, nothing sent, and the session delivers the next message", async () => {
		const r = await faultRelay();
		const session = await SmtpSession.open(plain(r.port));
		const now = Date.now();
		const late = await outcome(session.send(message("late\r\n"), { startBy: now - 1, contentBy: now + 60_000 }));
		expect(late).toBeInstanceOf(SmtpError);
		expect([(late as SmtpError).stage, (late as SmtpError).kind]).toEqual(["mail", "timeout"]);
		expect((late as SmtpError).message).toMatch(/^not started: .*start deadline/);
		expect(session.usable).toBe(true);
		const next = await session.send(message("on time\r\n"), {
			startBy: Date.now() + 60_000,
			contentBy: Date.now() + 120_000,
		});
		expect(next.accepted).toEqual(["ben@example.com"]);
		await session.close();
		const record = await r.closedRecord();
		expect(mails(record.commands)).toHaveLength(1);
		expect(record.messages).toHaveLength(1);
	});

	it("a content deadline already spent is not started either (sendMail carries the deadline too)", async () => {
		const r = await faultRelay();
		const now = Date.now();
		const error = await outcome(
			sendMail(plain(r.port), message("no time\r\n"), { deadline: { startBy: now + 60_000, contentBy: now - 1 } }),
		);
		expect([(error as SmtpError).stage, (error as SmtpError).kind]).toEqual(["mail", "timeout"]);
		expect((error as SmtpError).message).toMatch(/content deadline leaves 0 ms/);
		expect(mails((await r.closedRecord()).commands)).toHaveLength(0);
	});

	it("a wait before the final dot is cut at contentBy: a timeout, no message at the relay", async () => {
		// The relay opens DATA only after 600 ms; the permit's content deadline is 300 ms away.
		const r = await faultRelay({ at: { data: { reply: "354 go ahead", delayMs: 600 } } });
		const session = await SmtpSession.open(plain(r.port));
		const now = Date.now();
		const error = await outcome(session.send(message("cut\r\n"), { startBy: now + 60_000, contentBy: now + 300 }));
		expect(error).toBeInstanceOf(SmtpError);
		expect((error as SmtpError).kind).toBe("timeout");
		expect((error as SmtpError).message).toMatch(/the permit's content deadline passed/);
		await session.close();
		const record = await r.closedRecord();
		expect(record.messages).toHaveLength(0);
	});

	it("the reply to the final dot is not cut by contentBy: the message is delivered, never unknown", async () => {
		// The content goes at once; the relay answers the dot 500 ms later, past the 250 ms content deadline.
		const r = await faultRelay({ at: { message: { reply: "250 2.0.0 queued late", delayMs: 500 } } });
		const session = await SmtpSession.open(plain(r.port));
		const now = Date.now();
		const delivery = await session.send(message("answered late\r\n"), { startBy: now + 60_000, contentBy: now + 250 });
		expect(delivery.reply).toBe("250 2.0.0 queued late");
		await session.close();
	});
});
