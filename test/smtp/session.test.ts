/**
 * The SMTP client inside workerd against the relay that imitates the provider
 * (test/fixtures/provider-relay.ts), each test with a relay of its own.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type Delivery, SmtpConfigError, SmtpError, SmtpSession, sendMail } from "../../src/smtp";
import type { RelayOptionsJson } from "../fixtures/relay-types";
import { startFaultRelay } from "../helpers/faults";
import { type RelayHandle, startRelay } from "../helpers/relay";
import { b64, config, flights, message } from "./helpers";

const relays: RelayHandle[] = [];
async function relay(options: RelayOptionsJson): Promise<RelayHandle> {
	const handle = await startRelay({ authFailDelayMs: 10, ...options });
	relays.push(handle);
	return handle;
}
afterEach(async () => {
	await Promise.all(relays.splice(0).map((r) => r.stop()));
});

/** The SmtpError `promise` rejects with. */
async function failure(promise: Promise<unknown>): Promise<SmtpError> {
	const error = await promise.then(
		() => null,
		(e: unknown) => e,
	);
	expect(error).toBeInstanceOf(SmtpError);
	return error as SmtpError;
}

describe("AUTH LOGIN, as the provider's document shows it", () => {
	it("sends base64(api_user) as the initial response, then base64(api_key) after 334", async () => {
		const r = await relay({ security: "starttls" });
		const session = await SmtpSession.open(config(r.port));
		const delivery = await session.send(message("Subject: hi\r\n\r\nhello\r\n"));
		await session.close();

		const [conn] = await r.connections();
		expect(conn.commands).toEqual([
			"EHLO edgesend.test",
			"STARTTLS",
			"EHLO edgesend.test",
			`AUTH LOGIN ${b64("api_user")}`,
			"<auth response>",
			"MAIL FROM:<support@example.com> SIZE=22",
			"RCPT TO:<ben@example.com>",
			"DATA",
			"QUIT",
		]);
		const f = flights(conn);
		expect(f[3]).toBe(`AUTH LOGIN ${b64("api_user")}\r\n`);
		expect(f[4]).toBe(`${b64("api_key")}\r\n`);
		expect(conn.replies).toContain("334 UGFzc3dvcmQ6");
		// Credentials only ever crossed inside TLS.
		for (const p of conn.packets.filter((p) => p.text.includes(b64("api_key")) || p.text.startsWith("AUTH"))) {
			expect(p.tls).toBe(true);
		}
		const [msg] = await r.messages();
		expect(msg.authUser).toBe("api_user");
		expect(msg.labelId).toBeNull();
		expect(delivery.id).toBe(msg.queueId);
		expect(delivery.reply).toBe(`250 #${msg.queueId}#Queued`);
	});

	it("sends api_user#label_id as the user when a label is given", async () => {
		const r = await relay({ security: "starttls" });
		await sendMail(config(r.port, { user: "api_user#42" }), message("hi\r\n"));
		const [conn] = await r.connections();
		expect(conn.commands[3]).toBe(`AUTH LOGIN ${b64("api_user#42")}`);
		const [msg] = await r.messages();
		expect(msg.authUser).toBe("api_user#42");
		expect(msg.apiUser).toBe("api_user");
		expect(msg.labelId).toBe("42");
	});

	it("encodes non-ASCII credentials as UTF-8", async () => {
		const r = await relay({ security: "starttls", users: { usér: "pässwörd✓" } });
		await sendMail(config(r.port, { user: "usér", pass: "pässwörd✓" }), message("hi\r\n"));
		const [msg] = await r.messages();
		expect(msg.authUser).toBe("usér");
	});

	it("fails with a typed error that never shows the password", async () => {
		const r = await relay({ security: "starttls" });
		const trace: string[] = [];
		const error = await failure(
			SmtpSession.open(config(r.port, { pass: "wrong-secret", trace: (d, l) => trace.push(`${d} ${l}`) })),
		);
		expect(error).toMatchObject({ stage: "auth", kind: "rejected", code: 535, enhancedCode: "5.7.8" });
		expect(error.reply).toBe("535 5.7.8 Authentication failed");
		const shown = [error.message, error.reply, JSON.stringify(error), trace.join("\n")].join("\n");
		expect(shown).not.toContain("wrong-secret");
		expect(shown).not.toContain(b64("wrong-secret"));
		expect(trace).toContain("C ***");
		expect(trace).toContain(`C AUTH LOGIN ${b64("api_user")}`);
	});

	it("masks the password even where a relay echoes it back", async () => {
		const pass = "k3y-0f-the-api";
		const echo = `535 5.7.8 Authentication failed for ${b64(pass)} (${pass})`;
		const r = await startFaultRelay({ security: "starttls", users: { api_user: pass }, at: { auth: { reply: echo } } });
		try {
			const trace: string[] = [];
			const error = await failure(SmtpSession.open(config(r.port, { pass, trace: (_d, l) => trace.push(l) })));
			expect(error).toMatchObject({ stage: "auth", kind: "rejected", code: 535 });
			expect(error.reply).toBe("535 5.7.8 Authentication failed for *** (***)");
			for (const shown of [error.message, error.reply, trace.join("\n")]) {
				expect(shown).not.toContain(b64(pass));
				expect(shown).not.toContain(pass);
			}
		} finally {
			await r.stop();
		}
	});
});

describe("pipelining", () => {
	it("sends MAIL FROM, every RCPT TO and DATA in one flight, and the content with its dot in the next", async () => {
		const r = await relay({ security: "starttls" });
		const to = ["a@example.com", "b@example.com", "c@example.com"];
		const session = await SmtpSession.open(config(r.port));
		await session.send(message("Subject: x\r\n\r\nbody\r\n", to));
		const [conn] = await r.connections();
		const f = flights(conn);
		expect(f[5]).toBe(
			"MAIL FROM:<support@example.com> SIZE=20\r\nRCPT TO:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nRCPT TO:<c@example.com>\r\nDATA\r\n",
		);
		expect(f[6]).toBe("Subject: x\r\n\r\nbody\r\n.\r\n");
		expect(f).toHaveLength(7);
		await session.close();
	});

	it("sends nothing behind a final dot before its reply: a batch never meets Haraka's 503", async () => {
		const r = await relay({ security: "starttls", rejectRecipient: "^nobody@" });
		const session = await SmtpSession.open(config(r.port));
		const results: (Delivery | SmtpError)[] = [];
		const batch = [
			message("one\r\n"),
			message("two\r\n", ["x@example.com", "y@example.com"]),
			message("three\r\n", ["nobody@example.com"]), // refused: RSET at once, proving the connection
			message(".four\r\n"),
			message("five"),
		];
		for (const m of batch) results.push(await session.send(m).catch((e: SmtpError) => e));
		await session.close();

		expect(results.map((x) => (x instanceof SmtpError ? x.stage : "ok"))).toEqual(["ok", "ok", "rcpt", "ok", "ok"]);
		const [conn] = await r.connections();
		expect(conn.replies.filter((x) => x.startsWith("503 5.5.0"))).toEqual([]);
		for (const flight of flights(conn)) {
			const dot = flight.indexOf("\r\n.\r\n");
			if (dot >= 0) expect(flight.slice(dot)).toBe("\r\n.\r\n");
		}
		expect(conn.commands.filter((c) => c === "RSET")).toHaveLength(1);
		expect(conn.commands.slice(conn.commands.indexOf("RCPT TO:<nobody@example.com>"))).toEqual([
			"RCPT TO:<nobody@example.com>",
			"DATA",
			"RSET",
			"MAIL FROM:<support@example.com> SIZE=7",
			"RCPT TO:<ben@example.com>",
			"DATA",
			"MAIL FROM:<support@example.com> SIZE=4",
			"RCPT TO:<ben@example.com>",
			"DATA",
			"QUIT",
		]);
		const messages = await r.messages();
		expect(messages.map((m) => m.data)).toEqual(["one\r\n", "two\r\n", ".four\r\n", "five\r\n"]);
		// Two round trips per delivered message on a warm session; a refusal costs its group and one RSET.
		expect(conn.flights).toBe(5 + 2 * 4 + 1 /* refused group */ + 1 /* RSET */ + 1 /* QUIT */);
	});

	it("costs no more round trips than EHLO, STARTTLS, EHLO, 2 for AUTH, 1 for MAIL/RCPT/DATA and 1 for the content", async () => {
		for (const count of [1, 50]) {
			const r = await relay({ security: "starttls" });
			const to = Array.from({ length: count }, (_, i) => `rcpt${i}@example.com`);
			const session = await SmtpSession.open(config(r.port));
			const delivery = await session.send(message("Subject: count\r\n\r\nhello\r\n", to));
			expect(delivery.accepted).toEqual(to);
			const [conn] = await r.connections();
			expect(conn.flights, `${count} recipient(s)`).toBeLessThanOrEqual(1 + 1 + 1 + 2 + 1 + 1);
			await session.close();
			const [closed] = await r.connections();
			expect(closed.flights).toBe(conn.flights + 1); // QUIT
			expect(closed.commands.at(-1)).toBe("QUIT");
		}
	});

	it("sends one command at a time when the relay does not offer PIPELINING", async () => {
		const r = await relay({ security: "starttls", noPipelining: true });
		const session = await SmtpSession.open(config(r.port));
		expect(session.capabilities.pipelining).toBe(false);
		await session.send(message("hi\r\n", ["a@example.com", "b@example.com"]));
		await session.close();
		const [conn] = await r.connections();
		const f = flights(conn);
		expect(f.slice(5)).toEqual([
			"MAIL FROM:<support@example.com> SIZE=4\r\n",
			"RCPT TO:<a@example.com>\r\n",
			"RCPT TO:<b@example.com>\r\n",
			"DATA\r\n",
			"hi\r\n.\r\n",
			"QUIT\r\n",
		]);
	});
});

describe("recipients", () => {
	it("delivers to the accepted recipients and reports the refused ones with their replies", async () => {
		const r = await relay({ security: "starttls", rejectRecipient: "^bad" });
		const delivery = await sendMail(
			config(r.port),
			message("hi\r\n", ["good1@example.com", "bad@example.com", "good2@example.com"]),
		);
		expect(delivery.accepted).toEqual(["good1@example.com", "good2@example.com"]);
		expect(delivery.rejected).toEqual([
			{
				address: "bad@example.com",
				code: 550,
				enhancedCode: "5.1.1",
				reply: "550 5.1.1 <bad@example.com>: Recipient address rejected",
			},
		]);
		const [msg] = await r.messages();
		expect(msg.rcptTo).toEqual(["good1@example.com", "good2@example.com"]);
	});

	it("sends no content when every recipient is refused, and the session goes on after RSET", async () => {
		const r = await relay({ security: "starttls", rejectRecipient: "^bad" });
		const session = await SmtpSession.open(config(r.port));
		const error = await failure(session.send(message("secret body\r\n", ["bad1@example.com", "bad2@example.com"])));
		expect(error).toMatchObject({ stage: "rcpt", kind: "rejected", code: 550, enhancedCode: "5.1.1" });
		expect(error.rejected?.map((x) => x.address)).toEqual(["bad1@example.com", "bad2@example.com"]);
		const delivery = await session.send(message("next\r\n"));
		await session.close();
		expect(delivery.accepted).toEqual(["ben@example.com"]);
		const [conn] = await r.connections();
		expect(conn.packets.some((p) => p.text.includes("secret body"))).toBe(false);
		expect(conn.commands.slice(5)).toEqual([
			"MAIL FROM:<support@example.com> SIZE=13",
			"RCPT TO:<bad1@example.com>",
			"RCPT TO:<bad2@example.com>",
			"DATA",
			"RSET",
			"MAIL FROM:<support@example.com> SIZE=6",
			"RCPT TO:<ben@example.com>",
			"DATA",
			"QUIT",
		]);
		expect((await r.messages()).map((m) => m.data)).toEqual(["next\r\n"]);
	});

	it("refuses an address that would break the command line before sending anything", async () => {
		const r = await relay({ security: "starttls" });
		const session = await SmtpSession.open(config(r.port));
		const error = await failure(session.send(message("x", ["a@example.com\r\nRCPT TO:<evil@example.com>"])));
		expect(error).toMatchObject({ stage: "rcpt", kind: "rejected" });
		await session.close();
		const [conn] = await r.connections();
		expect(conn.commands.some((c) => c.startsWith("MAIL"))).toBe(false);
	});
});

describe("message size and encoding", () => {
	it("refuses a message over the advertised SIZE before MAIL, and the session goes on", async () => {
		const r = await relay({ security: "starttls", size: 1000 });
		const session = await SmtpSession.open(config(r.port));
		expect(session.capabilities.size).toBe(1000);
		const error = await failure(session.send(message("x".repeat(2000))));
		expect(error).toMatchObject({ stage: "mail", kind: "rejected", code: 552, enhancedCode: "5.3.4" });
		expect(error.reply).toBeUndefined(); // the relay was never asked
		expect(error.message).toContain("1000");
		await session.send(message("small\r\n"));
		await session.close();
		const [conn] = await r.connections();
		expect(conn.commands.filter((c) => c.startsWith("MAIL"))).toEqual(["MAIL FROM:<support@example.com> SIZE=7"]);
	});

	it("normalises bare LF and CR and dot-stuffs, also across chunk boundaries, on the wire", async () => {
		const r = await relay({ security: "starttls" });
		const chunks = ["Subject: dots\n\n.hidden\r", "\n..two\rbare cr\nbare lf\r\n", ".", "\r\n", ".", "end"];
		await sendMail(config(r.port), message(chunks));
		const [msg] = await r.messages();
		expect(msg.wire).toBe("Subject: dots\r\n\r\n..hidden\r\n...two\r\nbare cr\r\nbare lf\r\n..\r\n..end\r\n");
		expect(msg.data).toBe("Subject: dots\r\n\r\n.hidden\r\n..two\r\nbare cr\r\nbare lf\r\n.\r\n.end\r\n");
		// The relay hangs up on a bare LF (as Haraka does): it delivered, so none crossed.
		const [conn] = await r.connections();
		expect(conn.replies.some((x) => x.startsWith("451"))).toBe(false);
	});

	it("asks for BODY=8BITMIME when the message needs it", async () => {
		const r = await relay({ security: "starttls" });
		await sendMail(config(r.port), message("Subject: é\r\n\r\nünïcode\r\n", undefined, { eightBit: true }));
		const [msg] = await r.messages();
		expect(msg.mailParams).toBe("SIZE=26 BODY=8BITMIME");
		expect(Buffer.from(msg.data, "latin1").toString("utf8")).toBe("Subject: é\r\n\r\nünïcode\r\n");
	});

	it("asks for SMTPUTF8 when offered and needed, and refuses before MAIL when not offered", async () => {
		const offered = await relay({ security: "starttls", smtpUtf8: true });
		await sendMail(config(offered.port), message("hi\r\n", ["josé@exämple.com"]));
		const [msg] = await offered.messages();
		expect(msg.mailParams).toBe("SIZE=4 BODY=8BITMIME SMTPUTF8");

		const plain = await relay({ security: "starttls" });
		const session = await SmtpSession.open(config(plain.port));
		const error = await failure(session.send(message("hi\r\n", ["josé@exämple.com"])));
		expect(error).toMatchObject({ stage: "mail", kind: "rejected", code: 553, enhancedCode: "5.6.7" });
		await session.close();
		const [conn] = await plain.connections();
		expect(conn.commands.some((c) => c.startsWith("MAIL"))).toBe(false);
	});
});

describe("security", () => {
	it("fails before any credential is sent when STARTTLS is not offered", async () => {
		const r = await relay({ security: "starttls", noStartTls: true });
		const error = await failure(SmtpSession.open(config(r.port)));
		expect(error).toMatchObject({ stage: "starttls", kind: "protocol" });
		expect(error.message).toMatch(/does not offer STARTTLS/);
		const [conn] = await r.connections();
		expect(conn.commands).toEqual(["EHLO edgesend.test"]);
		expect(conn.authUser).toBeNull();
		expect(conn.packets.map((p) => p.text).join("")).not.toContain(b64("api_key"));
	});

	it("turns a certificate from an untrusted CA into a clear TLS error (STARTTLS)", async () => {
		const r = await relay({ security: "starttls", rogueCert: true });
		const error = await failure(SmtpSession.open(config(r.port)));
		expect(error).toMatchObject({ stage: "tls", kind: "tls" });
		expect(error.message).toMatch(/TLS handshake with localhost:\d+ failed/);
		expect(error.message).not.toMatch(/internal error/);
		const [conn] = await r.connections();
		expect(conn.commands).toEqual(["EHLO edgesend.test", "STARTTLS"]);
		expect(conn.authUser).toBeNull();
	});

	it("turns a certificate from an untrusted CA into a clear TLS error (implicit TLS)", async () => {
		const r = await relay({ security: "tls", rogueCert: true });
		const error = await failure(SmtpSession.open(config(r.port, { security: "tls" })));
		expect(error).toMatchObject({ stage: "tls", kind: "tls" });
		expect(error.message).toMatch(/TLS handshake with localhost:\d+ failed/);
	});

	it("delivers over implicit TLS", async () => {
		const r = await relay({ security: "tls" });
		const session = await SmtpSession.open(config(r.port, { security: "tls" }));
		expect(session.capabilities.startTls).toBe(false);
		const delivery = await session.send(message("over tls\r\n"));
		await session.close();
		const [conn] = await r.connections();
		expect(conn.tls).toBe(true);
		expect(conn.commands.slice(0, 3)).toEqual([
			"EHLO edgesend.test",
			`AUTH LOGIN ${b64("api_user")}`,
			"<auth response>",
		]);
		const [msg] = await r.messages();
		expect(msg.data).toBe("over tls\r\n");
		expect(delivery.id).toBe(msg.queueId);
	});

	it("speaks plain SMTP to 127.0.0.1 with security none", async () => {
		const r = await relay({ security: "none" });
		const delivery = await sendMail(config(r.port, { host: "127.0.0.1", security: "none" }), message("plain\r\n"));
		const [msg] = await r.messages();
		expect(msg.data).toBe("plain\r\n");
		expect(delivery.id).toBe(msg.queueId);
	});

	it("refuses security none to anything but a loopback host, before connecting", async () => {
		let connected = false;
		const connector = () => {
			connected = true;
			throw new Error("must not connect");
		};
		for (const host of ["smtp.engagelab.net", "10.0.0.1", "128.0.0.1", "localhost.example.com"]) {
			const error = await SmtpSession.open(config(2525, { host, security: "none", connector })).catch((e) => e);
			expect(error).toBeInstanceOf(SmtpConfigError);
			expect(error.field).toBe("security");
		}
		expect(connected).toBe(false);
	});
});

describe("relay answers", () => {
	it("surfaces 536 Frequency limited as code 536 at stage mail", async () => {
		const r = await relay({ security: "starttls", perMinute: 1 });
		const session = await SmtpSession.open(config(r.port));
		await session.send(message("first\r\n"));
		const error = await failure(session.send(message("second\r\n")));
		expect(error).toMatchObject({ stage: "mail", kind: "rejected", code: 536, reply: "536 Frequency limited" });
		await session.close();
		const [conn] = await r.connections();
		expect(conn.packets.some((p) => p.text.includes("second"))).toBe(false);
	});

	it("reports a refused connection as unavailable at stage connect", async () => {
		const r = await startRelay({ security: "none" });
		await r.stop();
		const error = await failure(SmtpSession.open(config(r.port, { host: "127.0.0.1", security: "none" })));
		expect(error).toMatchObject({ stage: "connect", kind: "unavailable" });
	});

	it("says QUIT and closes without stalling", async () => {
		const r = await relay({ security: "starttls" });
		const session = await SmtpSession.open(config(r.port));
		await session.close();
		await session.close(); // twice is fine
		const [conn] = await r.connections();
		expect(conn.commands.at(-1)).toBe("QUIT");
		expect(conn.replies.at(-1)).toMatch(/^221 /);
		const error = await failure(session.send(message("late\r\n")));
		expect(error.kind).toBe("unavailable");
	});
});
