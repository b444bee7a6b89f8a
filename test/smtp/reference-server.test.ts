/**
 * The SMTP client against an independent peer: nodemailer's smtp-server (not
 * our imitation of the provider, whose reading of the protocol our client
 * might share), over STARTTLS with AUTH LOGIN.
 */
import { afterEach, expect, it } from "vitest";
import { SmtpSession } from "../../src/smtp";
import { type ReferenceServerHandle, startReferenceServer } from "../helpers/reference-server";
import { config, message } from "./helpers";

let server: ReferenceServerHandle | undefined;
afterEach(async () => {
	await server?.stop();
	server = undefined;
});

it("delivers over STARTTLS with AUTH LOGIN to nodemailer's smtp-server", async () => {
	server = await startReferenceServer();
	const session = await SmtpSession.open(config(server.port, { user: "api_user#7" }));
	expect(session.capabilities).toMatchObject({ pipelining: true, startTls: false, eightBitMime: true, smtpUtf8: true });
	expect(session.capabilities.auth).toEqual(expect.arrayContaining(["LOGIN", "PLAIN"]));
	const body = ["Subject: reference\r\n\r\n", ".starts with a dot\n", "bare lf\nbare cr\r", "..\r\n.", "\r\nlast line"];
	const first = await session.send(message(body, ["amy@example.com", "ben@example.com"], { eightBit: true }));
	const second = await session.send(message("Subject: two\r\n\r\nsecond\r\n", ["cy@example.com"]));
	await session.close();

	const messages = await server.messages();
	expect(messages).toHaveLength(2);
	const [one, two] = messages;
	expect(one).toMatchObject({
		user: "api_user#7",
		secure: true,
		mailFrom: "support@example.com",
		rcptTo: ["amy@example.com", "ben@example.com"],
		mailArgs: { SIZE: String(message(body).size), BODY: "8BITMIME" },
	});
	expect(one.data).toBe(
		"Subject: reference\r\n\r\n.starts with a dot\r\nbare lf\r\nbare cr\r\n..\r\n.\r\nlast line\r\n",
	);
	expect(first.id).toBe(one.queueId);
	expect(first.reply).toBe(`250 OK: queued as ${one.queueId}`);
	expect(two.data).toBe("Subject: two\r\n\r\nsecond\r\n");
	expect(second.id).toBe(two.queueId);
});

it("uses AUTH PLAIN where LOGIN is not offered", async () => {
	server = await startReferenceServer({ authMethods: ["PLAIN"] });
	const trace: string[] = [];
	const session = await SmtpSession.open(
		config(server.port, { user: "api_user#9", trace: (d, l) => trace.push(`${d} ${l}`) }),
	);
	expect(session.capabilities.auth).toEqual(["PLAIN"]);
	await session.send(message("plain auth\r\n"));
	await session.close();
	const [msg] = await server.messages();
	expect(msg.user).toBe("api_user#9");
	expect(trace).toContain("C AUTH PLAIN ***");
	expect(trace.join("\n")).not.toContain(btoa("\0api_user#9\0api_key"));
});

it("reports a wrong password as a typed auth error that does not show it", async () => {
	server = await startReferenceServer();
	const error = await SmtpSession.open(config(server.port, { pass: "wrong-password" })).catch((e) => e);
	expect(error).toMatchObject({ stage: "auth", kind: "rejected", code: 535 });
	expect(error.message).not.toContain("wrong-password");
});
