/**
 * Which secrets a deploy reports missing (scripts/deploy/secrets.ts): the
 * rules of src/config.ts, on names set as secrets, as [vars] or in a
 * --secrets-file alike.
 */
import { describe, expect, it } from "vitest";
import { reportSecrets } from "../../scripts/deploy/secrets.ts";

const missing = (...set: string[]) => reportSecrets(new Set(set)).missing.map((s) => s.name);
const unset = (...set: string[]) => reportSecrets(new Set(set)).unset.map((s) => s.name);

describe("the secrets a deploy reports missing", () => {
	it("needs SMTP_USER, SMTP_PASS and API_KEYS on a Worker with none", () => {
		expect(missing()).toEqual(["SMTP_USER", "SMTP_PASS", "API_KEYS"]);
	});

	it("takes WEBHOOK_SECRET or PUBLIC_KEYS in place of API_KEYS, as the Worker does", () => {
		expect(missing("SMTP_USER", "SMTP_PASS", "WEBHOOK_SECRET")).toEqual([]);
		expect(missing("SMTP_USER", "SMTP_PASS", "PUBLIC_KEYS")).toEqual([]);
		expect(unset("SMTP_USER", "SMTP_PASS", "PUBLIC_KEYS")).toContain("API_KEYS");
	});

	it("needs EVENTS_WEBHOOK_SECRET only once EVENTS_WEBHOOK_URL is set", () => {
		expect(missing("SMTP_USER", "SMTP_PASS", "API_KEYS")).not.toContain("EVENTS_WEBHOOK_SECRET");
		expect(missing("SMTP_USER", "SMTP_PASS", "API_KEYS", "EVENTS_WEBHOOK_URL")).toEqual(["EVENTS_WEBHOOK_SECRET"]);
	});

	it("lists the optional ones that are not set, and nothing that is", () => {
		expect(unset("SMTP_USER", "SMTP_PASS", "API_KEYS", "WEBHOOK_SECRET")).toEqual([
			"ENGAGELAB_WEBHOOK_KEY",
			"EVENTS_WEBHOOK_SECRET",
			"FALLBACK_SMTP_USER",
			"FALLBACK_SMTP_PASS",
		]);
	});

	it("asks for the second relay's credentials once FALLBACK_SMTP_HOST is set", () => {
		expect(missing("SMTP_USER", "SMTP_PASS", "API_KEYS", "FALLBACK_SMTP_HOST")).toEqual([
			"FALLBACK_SMTP_USER",
			"FALLBACK_SMTP_PASS",
		]);
	});
});
