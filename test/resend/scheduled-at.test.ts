/**
 * scheduled_at as Resend takes it: ISO 8601 or English phrases, read against
 * the request's clock (here a fixed Wednesday, 2026-11-18 10:00 UTC, in
 * standard time, and a July one for daylight saving), at most 30 days ahead.
 */
import { describe, expect, it } from "vitest";
import { parseScheduledAt } from "../../src/api/resend/scheduled-at";

const NOV = Date.parse("2026-11-18T10:00:00Z");
const JUL = Date.parse("2026-07-15T10:00:00Z");
const at = (text: string, now = NOV) => {
	const r = parseScheduledAt(text, now);
	return r.ok ? new Date(r.at).toISOString() : `error: ${r.message}`;
};

describe("scheduled_at", () => {
	it("reads Resend's own examples", () => {
		expect(at("in 1 min")).toBe("2026-11-18T10:01:00.000Z");
		expect(at("in 1 hour")).toBe("2026-11-18T11:00:00.000Z");
		expect(at("tomorrow at 9am")).toBe("2026-11-19T09:00:00.000Z");
		expect(at("next day at 9am PST")).toBe("2026-11-19T17:00:00.000Z");
	});

	it('"Friday at 3pm ET" follows US daylight saving: 20:00 UTC in November, 19:00 UTC in July', () => {
		expect(at("Friday at 3pm ET")).toBe("2026-11-20T20:00:00.000Z");
		expect(at("Friday at 3pm ET", JUL)).toBe("2026-07-17T19:00:00.000Z");
	});

	it("takes ISO 8601 with Z or an offset, and a phrase without a zone as UTC", () => {
		expect(at("2026-12-01T10:00:00.500Z")).toBe("2026-12-01T10:00:00.500Z");
		expect(at("2026-12-01T12:00:00+02:00")).toBe("2026-12-01T10:00:00.000Z");
		expect(at("  2026-12-01 10:00Z ")).toBe("2026-12-01T10:00:00.000Z");
		expect(at("at 5pm")).toBe("2026-11-18T17:00:00.000Z");
	});

	it("refuses a text it cannot read whole, rather than a part of it", () => {
		for (const text of ["banana", "Friday at 3pm ET please", "tomorrow at 9am America/New_York", "", "   "]) {
			expect(at(text), text).toMatch(/^error: /);
		}
	});

	it("refuses the past (beyond a minute of clock skew) and more than 30 days ahead, saying which", () => {
		expect(at("yesterday")).toMatch(/^error: is in the past/);
		expect(at("2026-11-18T09:59:30Z")).toBe("2026-11-18T09:59:30.000Z");
		expect(at("in 30 days")).toBe("2026-12-18T10:00:00.000Z");
		expect(at("in 31 days")).toMatch(/^error: is more than 30 days ahead/);
		expect(at("2026-12-18T10:00:01Z")).toMatch(/^error: is more than 30 days ahead/);
	});
});
