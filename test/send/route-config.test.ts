/**
 * The route settings (src/routes-config.ts through readConfig): the first
 * route, the second one, their limits, and every combination that cannot
 * work refused by the setting's name — never with a value.
 */
import { describe, expect, it } from "vitest";
import { readConfig, type Settings } from "../../src/config";
import { ENGAGELAB_REST_URL } from "../../src/routes-config";
import { call, problemOf } from "../api/support";

const minimal: Settings = {
	SMTP_HOST: "smtp.example.com",
	SMTP_USER: "api_user",
	SMTP_PASS: "s3cret-pass",
	API_KEYS: "k1-long-enough-key",
};
const secondRelay: Settings = {
	FALLBACK_SMTP_HOST: "smtp.other.example",
	FALLBACK_SMTP_USER: "other_user",
	FALLBACK_SMTP_PASS: "other-s3cret",
	FALLBACK_RATE_LIMIT_PER_MINUTE: "600",
};
/** What a send_email binding looks like to the Worker: an object with send(). */
const binding = { send: async () => ({ messageId: "<x@example.com>" }) };

const routes = (settings: Settings) => {
	const result = readConfig(settings, "edgesend.test");
	if (!result.ok) throw new Error(JSON.stringify(result.errors));
	return result.config.routes;
};
const refused = (settings: Settings) => {
	const result = readConfig(settings, "edgesend.test");
	if (result.ok) throw new Error("expected the settings to be refused");
	return result.errors;
};

describe("route settings", () => {
	it("is the SMTP relay alone when nothing else is set (behaviour as before)", () => {
		expect(routes(minimal)).toEqual({
			primary: {
				kind: "smtp",
				host: "smtp.example.com",
				port: 465,
				security: "tls",
				user: "api_user",
				pass: "s3cret-pass",
			},
			fallbackOnLimit: false,
			ignored: [],
		});
	});

	it("reads a second SMTP relay with the primary's rules and its own limit", () => {
		const r = routes({ ...minimal, ...secondRelay, FALLBACK_SMTP_PORT: "587", FALLBACK_ON_LIMIT: "on" });
		expect(r.fallback).toEqual({
			kind: "smtp",
			host: "smtp.other.example",
			port: 587,
			security: "starttls",
			user: "other_user",
			pass: "other-s3cret",
		});
		expect(r.fallbackLimitPerMinute).toBe(600);
		expect(r.fallbackOnLimit).toBe(true);
		expect(routes({ ...minimal, ...secondRelay }).fallback).toMatchObject({ port: 465, security: "tls" });
	});

	it("refuses a second relay's bad settings by name, like the primary's", () => {
		const errors = refused({
			...minimal,
			...secondRelay,
			FALLBACK_SMTP_PORT: "25",
			FALLBACK_SMTP_SECURITY: "none",
			FALLBACK_SMTP_PASS: "",
			FALLBACK_RATE_LIMIT_PER_MINUTE: undefined,
		});
		expect(errors.map((e) => e.path).sort()).toEqual([
			"FALLBACK_RATE_LIMIT_PER_MINUTE",
			"FALLBACK_SMTP_PASS",
			"FALLBACK_SMTP_PORT",
			"FALLBACK_SMTP_SECURITY",
		]);
		expect(refused({ ...minimal, FALLBACK_SMTP_USER: "u" })).toEqual([
			{ path: "FALLBACK_SMTP_HOST", message: "required when FALLBACK_SMTP_USER is set" },
		]);
		expect(refused({ ...minimal, ...secondRelay, FALLBACK_SMTP_USER: "u#1" })[0].path).toBe("FALLBACK_SMTP_USER");
		// Loopback may go without TLS, for local work (npm run dev's second relay).
		expect(
			routes({ ...minimal, ...secondRelay, FALLBACK_SMTP_HOST: "localhost", FALLBACK_SMTP_SECURITY: "none" }).fallback,
		).toMatchObject({ security: "none" });
	});

	it("never echoes a secret in a refusal", () => {
		const errors = refused({ ...minimal, ...secondRelay, FALLBACK_SMTP_PORT: "x-other-s3cret" });
		expect(JSON.stringify(errors)).not.toContain("s3cret");
	});

	it("takes the provider's REST API as the second route, sharing the primary's credentials and budget", () => {
		const r = routes({ ...minimal, FALLBACK_ENGAGELAB_REST: "on" });
		expect(r.fallback).toEqual({
			kind: "engagelab-rest",
			url: ENGAGELAB_REST_URL,
			user: "api_user",
			pass: "s3cret-pass",
		});
		const shared = refused({
			...minimal,
			FALLBACK_ENGAGELAB_REST: "on",
			FALLBACK_RATE_LIMIT_PER_MINUTE: "10",
			FALLBACK_ON_LIMIT: "on",
		});
		expect(shared.map((e) => e.path)).toEqual(["FALLBACK_RATE_LIMIT_PER_MINUTE", "FALLBACK_ON_LIMIT"]);
		expect(refused({ ...minimal, FALLBACK_ENGAGELAB_REST: "yes" })[0]).toEqual({
			path: "FALLBACK_ENGAGELAB_REST",
			message: 'must be "on" or "off"',
		});
	});

	it("lets the REST API be the first route, with no SMTP relay needed", () => {
		const { SMTP_HOST: _, ...noRelay } = minimal;
		const r = routes({
			...noRelay,
			PRIMARY_ROUTE: "engagelab-rest",
			ENGAGELAB_REST_URL: "https://emailapi-tr.engagelab.com/",
		});
		expect(r.primary).toEqual({
			kind: "engagelab-rest",
			url: "https://emailapi-tr.engagelab.com",
			user: "api_user",
			pass: "s3cret-pass",
		});
		expect(refused(noRelay)).toEqual([{ path: "SMTP_HOST", message: 'required (or PRIMARY_ROUTE="engagelab-rest")' }]);
		expect(refused({ ...minimal, PRIMARY_ROUTE: "engagelab-rest", FALLBACK_ENGAGELAB_REST: "on" })[0].path).toBe(
			"FALLBACK_ENGAGELAB_REST",
		);
		expect(refused({ ...minimal, PRIMARY_ROUTE: "rest" })[0].path).toBe("PRIMARY_ROUTE");
		// http only to loopback (the suite's and npm run dev's imitation).
		expect(refused({ ...minimal, ENGAGELAB_REST_URL: "http://email.api.engagelab.cc" })[0].path).toBe(
			"ENGAGELAB_REST_URL",
		);
		expect(
			routes({ ...minimal, PRIMARY_ROUTE: "engagelab-rest", ENGAGELAB_REST_URL: "http://127.0.0.1:8025" }).primary,
		).toMatchObject({
			url: "http://127.0.0.1:8025",
		});
	});

	it("takes a send_email binding named FALLBACK_EMAIL, with no limit unless one is set", () => {
		const r = routes({ ...minimal, FALLBACK_EMAIL: binding });
		expect(r.fallback).toEqual({ kind: "email-binding" });
		expect(r.fallbackLimitPerMinute).toBeUndefined();
		expect(
			routes({ ...minimal, FALLBACK_EMAIL: binding, FALLBACK_RATE_LIMIT_PER_MINUTE: "100" }).fallbackLimitPerMinute,
		).toBe(100);
		expect(refused({ ...minimal, FALLBACK_EMAIL: "cloudflare" })[0]).toEqual({
			path: "FALLBACK_EMAIL",
			message: "must be a send_email binding ([[send_email]] in wrangler.toml), not a variable",
		});
	});

	it("picks one second route when several are set, and lists the others as ignored", () => {
		const all = { ...minimal, ...secondRelay, FALLBACK_ENGAGELAB_REST: "on", FALLBACK_EMAIL: binding };
		expect(routes(all)).toMatchObject({
			fallback: { kind: "smtp" },
			ignored: ["FALLBACK_ENGAGELAB_REST", "FALLBACK_EMAIL"],
		});
		expect(routes({ ...minimal, FALLBACK_ENGAGELAB_REST: "on", FALLBACK_EMAIL: binding })).toMatchObject({
			fallback: { kind: "engagelab-rest" },
			ignored: ["FALLBACK_EMAIL"],
		});
	});

	it("refuses a second route's limit or FALLBACK_ON_LIMIT with no second route", () => {
		expect(refused({ ...minimal, FALLBACK_RATE_LIMIT_PER_MINUTE: "10", FALLBACK_ON_LIMIT: "on" })).toEqual([
			{ path: "FALLBACK_RATE_LIMIT_PER_MINUTE", message: "there is no second route" },
			{ path: "FALLBACK_ON_LIMIT", message: "there is no second route" },
		]);
	});
});

describe("a bad route setting in a request", () => {
	it("answers 500 config_invalid naming the setting", async () => {
		const response = await call(
			"/v1/send",
			{ method: "POST", headers: { Authorization: "Bearer edgesend-test-key-1" }, body: "{}" },
			{ FALLBACK_SMTP_HOST: "localhost", FALLBACK_SMTP_USER: "api_user", FALLBACK_SMTP_PASS: "hidden-pass" },
		);
		expect(response.status).toBe(500);
		const p = await problemOf(response);
		expect(p.code).toBe("config_invalid");
		expect(p.errors?.map((e) => e.path)).toEqual(["FALLBACK_RATE_LIMIT_PER_MINUTE"]);
		expect(JSON.stringify(p)).not.toContain("hidden-pass");
	});
});
