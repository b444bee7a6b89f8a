/**
 * Settings: defaults, refusals naming the setting, and no value — secret or
 * not — ever in the answer.
 */
import { describe, expect, it, vi } from "vitest";
import { defaultEhloName, readConfig, type Settings } from "../../src/config";
import { call, problemOf } from "./support";

const minimal: Settings = {
	SMTP_HOST: "smtp.example.com",
	SMTP_USER: "api_user",
	SMTP_PASS: "s3cret-pass",
	API_KEYS: "k1-long-enough-key",
};

const config = (settings: Settings, host = "edgesend.example.workers.dev") => {
	const result = readConfig(settings, host);
	if (!result.ok) throw new Error(JSON.stringify(result.errors));
	return result.config;
};
const errors = (settings: Settings) => {
	const result = readConfig(settings, "edgesend.test");
	if (result.ok) throw new Error("expected the settings to be refused");
	return result.errors;
};

describe("readConfig", () => {
	it("fills the defaults of DESIGN.md §1", () => {
		const c = config(minimal);
		expect(c.smtp).toEqual({
			host: "smtp.example.com",
			port: 465,
			security: "tls",
			user: "api_user",
			pass: "s3cret-pass",
			ehloName: "edgesend.example.workers.dev",
		});
		expect(c.rateLimitPerMinute).toBe(30_000);
		expect(c.maxMessageBytes).toBe(16_000_000);
		expect(c.apiKeys).toEqual(["k1-long-enough-key"]);
		expect(c.publicKeys).toEqual([]);
		expect(c.webhookSecret).toBeUndefined();
		expect(config({ ...minimal, SMTP_PORT: "587" }).smtp.security).toBe("starttls");
		expect(config({ ...minimal, SMTP_PORT: 2525, SMTP_SECURITY: "tls" }).smtp.security).toBe("tls");
		const [a, b, c3] = ["a".repeat(16), "b".repeat(20), "c".repeat(32)];
		expect(config({ ...minimal, API_KEYS: ` ${a}, ${b} ,,${c3} ` }).apiKeys).toEqual([a, b, c3]);
		// An empty var is unset, so its default applies.
		expect(config({ ...minimal, SMTP_PORT: "" }).smtp.port).toBe(465);
	});

	it("derives the EHLO name from the Worker's host: an FQDN, an address literal, or a stand-in", () => {
		expect(defaultEhloName("mail.example.com")).toBe("mail.example.com");
		expect(defaultEhloName("203.0.113.5")).toBe("[203.0.113.5]");
		expect(defaultEhloName("[2001:db8::1]")).toBe("[IPv6:2001:db8::1]");
		expect(defaultEhloName("localhost")).toBe("localhost.localdomain");
		expect(config({ ...minimal, EHLO_NAME: "[127.0.0.1]" }).smtp.ehloName).toBe("[127.0.0.1]");
	});

	it("decodes WEBHOOK_SECRET and reads PUBLIC_KEYS", () => {
		const c = config({
			...minimal,
			WEBHOOK_SECRET: `whsec_${btoa("0123456789abcdef01234567")}`,
			PUBLIC_KEYS: JSON.stringify([
				{
					key: "pk_contact",
					origins: ["https://a.example"],
					to: ["Sales@Example.com"],
					from: ["Shop <shop@a.example>"],
				},
				{ key: "pk_labelled", origins: ["https://a.example"], to: ["x@a.example"], from: ["x@a.example"], labelId: 7 },
			]),
		});
		expect(new TextDecoder().decode(c.webhookSecret)).toBe("0123456789abcdef01234567");
		expect(c.publicKeys).toEqual([
			{
				key: "pk_contact",
				origins: ["https://a.example"],
				to: ["sales@example.com"],
				from: ["Shop <shop@a.example>"],
				perIpPerMinute: 10,
				perMinute: 60,
			},
			{
				key: "pk_labelled",
				origins: ["https://a.example"],
				to: ["x@a.example"],
				from: ["x@a.example"],
				labelId: "7",
				perIpPerMinute: 10,
				perMinute: 60,
			},
		]);
	});

	it("names each bad setting by its path", () => {
		const paths = (s: Settings) => errors(s).map((e) => e.path);
		expect(paths({ ...minimal, SMTP_HOST: undefined })).toEqual(["SMTP_HOST"]);
		expect(paths({ SMTP_HOST: "h.example" })).toEqual(["SMTP_USER", "SMTP_PASS"]);
		expect(paths({ ...minimal, API_KEYS: " , " })).toEqual(["API_KEYS"]);
		expect(paths({ ...minimal, SMTP_PORT: "25" })).toEqual(["SMTP_PORT"]);
		expect(paths({ ...minimal, SMTP_PORT: "smtp" })).toEqual(["SMTP_PORT"]);
		expect(paths({ ...minimal, SMTP_SECURITY: "none" })).toEqual(["SMTP_SECURITY"]);
		expect(paths({ ...minimal, SMTP_SECURITY: "ssl" })).toEqual(["SMTP_SECURITY"]);
		expect(paths({ ...minimal, SMTP_USER: "api_user#3" })).toEqual(["SMTP_USER"]);
		expect(paths({ ...minimal, EHLO_NAME: "localhost" })).toEqual(["EHLO_NAME"]);
		expect(paths({ ...minimal, MAX_MESSAGE_BYTES: "-1" })).toEqual(["MAX_MESSAGE_BYTES"]);
		expect(paths({ ...minimal, WEBHOOK_SECRET: "not-a-secret" })).toEqual(["WEBHOOK_SECRET"]);
		// Too short to be a secret: an API key under 16 characters, a webhook secret under 24 bytes.
		expect(paths({ ...minimal, API_KEYS: "a-long-enough-key-1,short-key" })).toEqual(["API_KEYS"]);
		expect(errors({ ...minimal, API_KEYS: "a-long-enough-key-1,short-key" })[0].message).toMatch(/16 characters/);
		expect(paths({ ...minimal, WEBHOOK_SECRET: `whsec_${btoa("x".repeat(23))}` })).toEqual(["WEBHOOK_SECRET"]);
		expect(config({ ...minimal, WEBHOOK_SECRET: `whsec_${btoa("x".repeat(24))}` }).webhookSecret).toHaveLength(24);
		expect(paths({ ...minimal, PUBLIC_KEYS: "[{" })).toEqual(["PUBLIC_KEYS"]);
		expect(
			paths({ ...minimal, PUBLIC_KEYS: JSON.stringify([{ key: "pk_contact", origins: ["a.example/x"], to: ["x"] }]) }),
		).toEqual(["PUBLIC_KEYS[0].origins[0]", "PUBLIC_KEYS[0].to[0]", "PUBLIC_KEYS[0].from"]);
		const pk = (extra: Record<string, unknown>) =>
			JSON.stringify([{ key: "pk_contact", origins: ["https://a.example"], to: ["x@a.example"], ...extra }]);
		expect(paths({ ...minimal, PUBLIC_KEYS: pk({ from: [] }) })).toEqual(["PUBLIC_KEYS[0].from"]);
		expect(paths({ ...minimal, PUBLIC_KEYS: pk({ from: ["nope"] }) })).toEqual(["PUBLIC_KEYS[0].from[0]"]);
		expect(paths({ ...minimal, PUBLIC_KEYS: pk({ from: ["x@a.example"], labelId: "x7" }) })).toEqual([
			"PUBLIC_KEYS[0].labelId",
		]);
		expect(paths({ ...minimal, PUBLIC_KEYS: pk({ from: ["x@a.example"], perMinute: 0 }) })).toEqual([
			"PUBLIC_KEYS[0].perMinute",
		]);
		expect(config({ ...minimal, SMTP_HOST: "localhost", SMTP_SECURITY: "none" }).smtp.security).toBe("none");
		// Pool objects per AUTH user: 1 to 64, four by default.
		expect(config(minimal).pool.shards).toBe(4);
		expect(config({ ...minimal, SMTP_POOL_SHARDS: "64" }).pool.shards).toBe(64);
		expect(paths({ ...minimal, SMTP_POOL_SHARDS: "65" })).toEqual(["SMTP_POOL_SHARDS"]);
		expect(paths({ ...minimal, SMTP_POOL_SHARDS: "0" })).toEqual(["SMTP_POOL_SHARDS"]);
	});

	it("never repeats a value in its errors", () => {
		const secret = "whsec_!!not-base64-but-secret!!";
		const text = JSON.stringify(
			errors({
				...minimal,
				SMTP_PASS: "",
				WEBHOOK_SECRET: secret,
				PUBLIC_KEYS: '[{"key": "pk_hidden-value", ',
				SMTP_PORT: "hidden-port-value",
			}),
		);
		expect(text).toContain("WEBHOOK_SECRET");
		expect(text).toContain("SMTP_PASS");
		for (const value of [secret, "pk_hidden-value", "hidden-port-value"]) expect(text).not.toContain(value);
	});
});

describe("a bad setting in a request", () => {
	it("answers 500 config_invalid naming the setting, not its value", async () => {
		const response = await call(
			"/v1/send",
			{ method: "POST", headers: { Authorization: "Bearer edgesend-test-key-1" }, body: "{}" },
			{ SMTP_PASS: "", WEBHOOK_SECRET: "whsec_leak-me-not!" },
		);
		expect(response.status).toBe(500);
		expect(response.headers.get("X-Request-Id")).toBeTruthy();
		const p = await problemOf(response);
		expect(p.code).toBe("config_invalid");
		expect(p.errors?.map((e) => e.path)).toEqual(["SMTP_PASS", "WEBHOOK_SECRET"]);
		expect(JSON.stringify(p)).not.toContain("leak-me-not");
	});

	it("tells a caller without a valid API key only that the service is misconfigured; the log names the setting", async () => {
		const logged: string[] = [];
		const spy = vi.spyOn(console, "error").mockImplementation((line: unknown) => {
			logged.push(String(line));
		});
		try {
			for (const headers of [{}, { Authorization: "Bearer edgesend-wrong-key-000" }] as Record<string, string>[]) {
				const response = await call("/v1/send", { method: "POST", headers, body: "{}" }, { SMTP_PASS: "" });
				expect(response.status).toBe(500);
				const p = await problemOf(response);
				expect(p.code).toBe("config_invalid");
				expect(p.errors).toBeUndefined();
				expect(JSON.stringify(p)).not.toContain("SMTP_PASS");
			}
		} finally {
			spy.mockRestore();
		}
		expect(logged.some((line) => line.includes("SMTP_PASS"))).toBe(true);
	});

	it("leaves /healthz and /openapi.json working", async () => {
		expect((await call("/healthz", {}, { SMTP_HOST: "" })).status).toBe(200);
		expect((await call("/openapi.json", {}, { SMTP_HOST: "" })).status).toBe(200);
	});
});
