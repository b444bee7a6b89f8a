/** The SMTP client's pure parts: no socket needed. */
import { describe, expect, it } from "vitest";
import {
	base64Utf8,
	extractRelayId,
	isLoopback,
	isValidEhloName,
	parseReply,
	resolveConfig,
	type SmtpConfig,
	SmtpConfigError,
} from "../../src/smtp";
import { parseCapabilities } from "../../src/smtp/capabilities";

describe("EHLO capabilities", () => {
	it("reads the provider's EHLO", () => {
		const caps = parseCapabilities(
			parseReply(
				"250-EngageLab Inbound Server Hello, Haraka is at your service.\r\n250-PIPELINING\r\n250-8BITMIME\r\n250-SIZE 16000000\r\n250-STARTTLS\r\n250 AUTH LOGIN",
			),
		);
		expect(caps).toEqual({
			pipelining: true,
			size: 16_000_000,
			eightBitMime: true,
			smtpUtf8: false,
			auth: ["LOGIN"],
			startTls: true,
			enhancedStatusCodes: false,
		});
	});

	it("reads other servers' forms", () => {
		const caps = parseCapabilities(
			parseReply(
				"250-mx.example.com at your service\r\n250-size\r\n250-ENHANCEDSTATUSCODES\r\n250-SMTPUTF8\r\n250-AUTH=login\r\n250 auth plain xoauth2 LOGIN",
			),
		);
		expect(caps).toMatchObject({
			pipelining: false,
			size: 0,
			smtpUtf8: true,
			enhancedStatusCodes: true,
			auth: ["LOGIN", "PLAIN", "XOAUTH2"],
		});
		// The greeting line is not a keyword, whatever it says.
		expect(parseCapabilities(parseReply("250 PIPELINING")).pipelining).toBe(false);
	});
});

describe("relay id", () => {
	it("reads EngageLab's #id#Queued", () => {
		expect(extractRelayId("250 #1426390015358_15_6484_8661.sc-10_10_127_51-inbound#Queued")).toBe(
			"1426390015358_15_6484_8661.sc-10_10_127_51-inbound",
		);
	});

	it("reads `queued as X`", () => {
		expect(extractRelayId("250 2.0.0 Ok: queued as 4C1F2A3B9D")).toBe("4C1F2A3B9D");
		expect(extractRelayId("250 OK: queued as ABC123")).toBe("ABC123");
		expect(extractRelayId("250 2.0.0 Queued as <1234@mx>; thanks")).toBe("1234@mx");
	});

	it("reads Haraka's `Message Queued (X)`", () => {
		expect(extractRelayId("250 Message Queued (8A1B2C3D-4E5F-6789-ABCD-EF0123456789.1)")).toBe(
			"8A1B2C3D-4E5F-6789-ABCD-EF0123456789.1",
		);
	});

	it("falls back to the whole reply text", () => {
		expect(extractRelayId("250 2.0.0 OK 1700000000 a1-20020a05")).toBe("250 2.0.0 OK 1700000000 a1-20020a05");
	});
});

describe("base64 of credentials", () => {
	it("encodes UTF-8, not Latin-1", () => {
		expect(base64Utf8("api_user")).toBe("YXBpX3VzZXI=");
		expect(base64Utf8("api_user#42")).toBe(btoa("api_user#42"));
		expect(base64Utf8("pässwörd✓")).toBe("cMOkc3N3w7ZyZOKckw==");
		expect(base64Utf8("")).toBe("");
		const long = "é".repeat(100_000);
		expect(atob(base64Utf8(long))).toHaveLength(200_000);
	});
});

describe("configuration", () => {
	const base: SmtpConfig = {
		host: "smtp.engagelab.net",
		port: 465,
		security: "tls",
		user: "api_user",
		pass: "api_key",
		ehloName: "mail.example.com",
	};
	const fieldOf = (c: SmtpConfig) => {
		try {
			resolveConfig(c);
			return null;
		} catch (e) {
			expect(e).toBeInstanceOf(SmtpConfigError);
			return (e as SmtpConfigError).field;
		}
	};

	it("fills in the timeouts", () => {
		expect(resolveConfig(base)).toMatchObject({
			connectTimeoutMs: 10_000,
			replyTimeoutMs: 30_000,
			sessionTimeoutMs: 120_000,
		});
		expect(resolveConfig({ ...base, replyTimeoutMs: 500, connectTimeoutMs: undefined })).toMatchObject({
			replyTimeoutMs: 500,
			connectTimeoutMs: 10_000,
		});
	});

	it("accepts an FQDN or an address literal as EHLO name, nothing else", () => {
		for (const name of [
			"edgesend.test",
			"mail.example.com",
			"a-b.c0.io",
			"[127.0.0.1]",
			"[IPv6:2001:db8::1]",
			"[IPv6:::1]",
		]) {
			expect(isValidEhloName(name), name).toBe(true);
		}
		for (const name of [
			"",
			"localhost",
			"example",
			"127.0.0.1",
			"[127.0.0.256]",
			"-a.com",
			"a-.com",
			"a..com",
			"a.123",
			"ex ample.com",
			"a.com\r\nMAIL FROM:<x>",
			"[localhost]",
			`${"a".repeat(64)}.com`,
		]) {
			expect(isValidEhloName(name), name).toBe(false);
		}
		expect(fieldOf({ ...base, ehloName: "localhost" })).toBe("ehloName");
	});

	it("allows security none only to loopback hosts", () => {
		for (const host of ["localhost", "LOCALHOST", "127.0.0.1", "127.1.2.3", "::1", "[::1]"]) {
			expect(isLoopback(host), host).toBe(true);
			expect(fieldOf({ ...base, host, port: 2525, security: "none" })).toBeNull();
		}
		for (const host of ["smtp.engagelab.net", "127.0.0.256", "128.0.0.1", "10.0.0.1", "localhost.evil.com", "::2"]) {
			expect(isLoopback(host), host).toBe(false);
			expect(fieldOf({ ...base, host, port: 2525, security: "none" })).toBe("security");
		}
	});

	it("refuses what can never work", () => {
		expect(fieldOf({ ...base, port: 25 })).toBe("port");
		expect(fieldOf({ ...base, port: 0 })).toBe("port");
		expect(fieldOf({ ...base, port: 1.5 })).toBe("port");
		expect(fieldOf({ ...base, host: "" })).toBe("host");
		expect(fieldOf({ ...base, host: "smtp.example.com\r\n" })).toBe("host");
		expect(fieldOf({ ...base, security: "ssl" as never })).toBe("security");
		expect(fieldOf({ ...base, user: "api_user\r\nRSET" })).toBe("user");
		expect(fieldOf({ ...base, pass: "x\ny" })).toBe("pass");
		expect(fieldOf({ ...base, replyTimeoutMs: 0 })).toBe("replyTimeoutMs");
		expect(fieldOf({ ...base, sessionTimeoutMs: Number.NaN })).toBe("sessionTimeoutMs");
	});

	it("never echoes the password in a configuration error", () => {
		try {
			resolveConfig({ ...base, pass: "s3cret\n" });
		} catch (e) {
			expect((e as Error).message).not.toContain("s3cret");
		}
	});
});
