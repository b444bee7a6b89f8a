/**
 * The rule for a second route (src/send/failover-rule.ts) over every fault of
 * the suite's fault table: the table says which SmtpError the client raises
 * for each fault (test/reliability/smtp-faults.test.ts proves it against a
 * misbehaving relay), and this says which of them may go to the other route.
 * A few faults are then run for real, so the rule is seen on the client's own
 * errors too, the content boundary above all.
 */
import { describe, expect, it } from "vitest";
import { LIMIT_CODE, mayFailOver, routeFault } from "../../src/send/failover-rule";
import { RestError } from "../../src/send/rest-client";
import { SmtpError, type SmtpErrorKind, type SmtpStage, sendMail } from "../../src/smtp";
import { startFaultRelay } from "../helpers/faults";
import { startRelay } from "../helpers/relay";
import { faultCases } from "../reliability/support/fault-cases";
import { textMessage } from "../reliability/support/message";

/** The faults after which the message may go elsewhere: the route failed before it could have it. */
const mayGo = new Set([
	"no greeting",
	"dropped before the greeting",
	"554 greeting",
	"421 greeting",
	"EHLO refused",
	"dropped at EHLO",
	"no answer to EHLO",
	"STARTTLS not offered",
	"454 to STARTTLS",
	"dropped at STARTTLS",
	"no answer to STARTTLS",
	"untrusted certificate after STARTTLS",
	"no answer to the TLS handshake after STARTTLS",
	"no answer to the implicit TLS handshake",
	"untrusted certificate on implicit TLS",
	"454 to AUTH",
	"dropped at AUTH",
	"no answer to AUTH",
	"dropped at MAIL",
	"no answer to MAIL",
	"dropped at RCPT",
	"no answer to RCPT",
	"dropped at DATA",
	"no answer to DATA",
	"garbage instead of the greeting",
	"garbage instead of the MAIL reply",
	"reply code changing inside a multi-line reply",
	"an endless reply line",
]);

const errorOf = (stage: SmtpStage, kind: SmtpErrorKind, code?: number) =>
	new SmtpError("fault", {
		stage,
		kind,
		...(code === undefined ? {} : { code, reply: `${code} said so` }),
	});

const off = { onLimit: false };

describe("may a failure go to the other route", () => {
	const failing = faultCases.filter((c) => c.smtp !== "delivered");

	it.each(failing.map((c) => [c.name, c] as const))("%s", (name, c) => {
		if (c.smtp === "delivered") throw new Error("unreachable");
		const verdict = mayFailOver(errorOf(c.smtp.stage, c.smtp.kind, c.smtp.code), off);
		expect(verdict.failover, verdict.reason).toBe(mayGo.has(name));
	});

	it("names no fault the table lacks", () => {
		const names = new Set(failing.map((c) => c.name));
		expect([...mayGo].filter((n) => !names.has(n))).toEqual([]);
	});

	it("sends over the primary's limit (536) only when FALLBACK_ON_LIMIT is on", () => {
		const limited = errorOf("mail", "rejected", LIMIT_CODE);
		expect(mayFailOver(limited, off).failover).toBe(false);
		expect(mayFailOver(limited, { onLimit: true })).toEqual({
			failover: true,
			reason: expect.stringContaining("FALLBACK_ON_LIMIT"),
		});
		// A limit is not the route failing: the breaker does not count it.
		expect(routeFault(limited)).toBeUndefined();
	});

	it("takes 421 anywhere before the content, never a 4xx refusal of the envelope", () => {
		for (const stage of ["mail", "rcpt", "data"] as const) {
			expect(mayFailOver(errorOf(stage, "unavailable", 421), off).failover).toBe(true);
			expect(mayFailOver(errorOf(stage, "unavailable", 451), off).failover).toBe(false);
		}
	});

	it("never moves what the client refused itself, or anything once the content started", () => {
		const local = new SmtpError("too big", { stage: "mail", kind: "rejected", code: 552, local: true });
		expect(mayFailOver(local, { onLimit: true }).failover).toBe(false);
		// A connection lost while the content was going out: the route's fault, but not movable.
		const midContent = errorOf("message", "unavailable");
		expect(routeFault(midContent)).toBeDefined();
		expect(mayFailOver(midContent, { onLimit: true }).failover).toBe(false);
		expect(mayFailOver(errorOf("message", "unknown"), { onLimit: true }).failover).toBe(false);
	});

	it("counts the route's failures for the breaker, not the message's", () => {
		expect(routeFault(errorOf("connect", "timeout"))).toBe("connect: timeout");
		expect(routeFault(errorOf("greeting", "unavailable", 421))).toBe("greeting: unavailable 421");
		expect(routeFault(errorOf("auth", "rejected", 535))).toBeUndefined();
		expect(routeFault(errorOf("rcpt", "rejected", 550))).toBeUndefined();
		expect(routeFault(errorOf("message", "unknown"))).toBe("message: unknown");
	});
});

describe("the rule on the REST route's answers", () => {
	const rest = (kind: RestError["kind"], status: number | undefined, maybeSent: boolean) =>
		new RestError("rest", kind, { ...(status === undefined ? {} : { status }), maybeSent });

	it("moves only what the provider said it did not take", () => {
		expect(mayFailOver(rest("unavailable", 503, false), off)).toEqual({
			failover: true,
			reason: "rest: unavailable 503",
		});
		expect(mayFailOver(rest("unknown", undefined, true), { onLimit: true }).failover).toBe(false);
		expect(mayFailOver(rest("unknown", 500, true), { onLimit: true }).failover).toBe(false);
		expect(mayFailOver(rest("rejected", 400, false), { onLimit: true }).failover).toBe(false);
		expect(mayFailOver(rest("auth", 401, false), { onLimit: true }).failover).toBe(false);
		expect(mayFailOver(rest("limit", 429, false), off).failover).toBe(false);
		expect(mayFailOver(rest("limit", 429, false), { onLimit: true }).failover).toBe(true);
	});

	it("counts unavailable and unknown as the route's failures", () => {
		expect(routeFault(rest("unknown", undefined, true))).toBe("rest: unknown");
		expect(routeFault(rest("unavailable", 502, false))).toBe("rest: unavailable 502");
		expect(routeFault(rest("rejected", 400, false))).toBeUndefined();
		expect(routeFault(rest("limit", 429, false))).toBeUndefined();
	});
});

describe("the rule on the client's own errors", () => {
	async function failureAt(script: Parameters<typeof startFaultRelay>[0]): Promise<SmtpError> {
		const relay = await startFaultRelay(script);
		try {
			await sendMail(
				{
					host: "localhost",
					port: relay.port,
					security: "none",
					user: "api_user",
					pass: "api_key",
					ehloName: "edgesend.test",
					replyTimeoutMs: 5000,
				},
				textMessage("failover-rule"),
			);
		} catch (error) {
			if (error instanceof SmtpError) return error;
			throw error;
		} finally {
			await relay.stop();
		}
		throw new Error("the send did not fail");
	}

	it("a 421 before MAIL may go elsewhere", async () => {
		const error = await failureAt({ security: "none", at: { mail: { reply: "421 4.3.2 Closing" } } });
		expect(mayFailOver(error, off)).toMatchObject({ failover: true });
	});

	it("a connection lost before 354 may go elsewhere", async () => {
		const error = await failureAt({ security: "none", at: { data: { drop: true } } });
		expect(error.stage).toBe("data");
		expect(mayFailOver(error, off)).toMatchObject({ failover: true });
	});

	it("a drop after the final dot stays where it was (delivery unknown)", async () => {
		const error = await failureAt({ security: "none", at: { message: { drop: true } } });
		expect(error.kind).toBe("unknown");
		expect(mayFailOver(error, { onLimit: true })).toMatchObject({ failover: false });
	});

	it("a 550 to RCPT is the caller's to hear", async () => {
		const error = await failureAt({ security: "none", at: { rcpt: { reply: "550 5.1.1 No such user" } } });
		expect(mayFailOver(error, { onLimit: true })).toMatchObject({ failover: false });
	});

	it("a relay taken down, or hanging before its greeting, may be left for the other route; back up, it delivers", async () => {
		const relay = await startRelay({ security: "starttls" });
		const config = {
			host: "localhost",
			port: relay.port,
			security: "starttls" as const,
			user: "api_user",
			pass: "api_key",
			ehloName: "edgesend.test",
			connectTimeoutMs: 1000,
			replyTimeoutMs: 1000,
		};
		const attempt = () => sendMail(config, textMessage("modes")).catch((error: unknown) => error as SmtpError);
		try {
			await relay.setMode("down");
			const down = await attempt();
			expect(down).toMatchObject({ stage: "connect", kind: "unavailable" });
			expect(mayFailOver(down as SmtpError, off).failover).toBe(true);
			await relay.setMode("hang");
			const hung = await attempt();
			expect(hung).toMatchObject({ stage: "greeting", kind: "timeout" });
			expect(mayFailOver(hung as SmtpError, off).failover).toBe(true);
			await relay.setMode("up");
			expect(await attempt()).toMatchObject({ accepted: ["amy@example.com"] });
			expect(await relay.messages()).toHaveLength(1);
		} finally {
			await relay.stop();
		}
	});
});
