/**
 * POST /v1/send against a relay that misbehaves on purpose, at every stage
 * (the table in support/fault-cases.ts): each fault must be answered with the
 * status and problem code DESIGN.md's error model names, the relay's words in
 * `smtp`, Retry-After where the caller should come back later, the socket
 * closed, nothing left unhandled or running — and the next request to a
 * healthy relay must succeed.
 */
import { describe, expect, it } from "vitest";
import { startFaultRelay } from "../helpers/faults";
import { sharedRelays } from "../helpers/relay";
import { type Overrides, postJson, problemOf, relaySettings, type SentBody, uniqueTag } from "./support/api";
import { type FaultCase, faultCases } from "./support/fault-cases";
import { expectNothingLeftRunning, watch } from "./support/watch";

/** SMTP_TIMEOUT_MS where a hang ends the case. */
const HANG_TIMEOUT_MS = "1000";

const messageTo = (tag: string, to: string[] = ["amy@example.com"]) => ({
	from: "Sender <sender@example.com>",
	to,
	subject: `api fault ${tag}`,
	text: `Body of ${tag}.\n.a line that starts with a dot`,
});

async function expectHealthySend() {
	const tag = uniqueTag("healthy");
	const response = await postJson("/v1/send", messageTo(tag));
	expect(response.status).toBe(200);
	const sent = (await response.json()) as SentBody;
	const arrived = (await sharedRelays.starttls().messages()).filter((m) => m.data.includes(tag));
	expect(arrived.map((m) => m.queueId)).toEqual([sent.id]);
}

/** Each case authenticates as an api_user of its own, so a 536's cool-down stays with its case. */
let caseNumber = 0;

async function runCase(c: FaultCase) {
	const user = `fault_user_${++caseNumber}_${crypto.randomUUID().slice(0, 8)}`;
	const relay = await startFaultRelay({ ...c.script, users: { [user]: "api_key" } });
	const settings: Overrides = relaySettings(relay.port, c.script.security, {
		SMTP_USER: user,
		...(c.hangs ? { SMTP_TIMEOUT_MS: HANG_TIMEOUT_MS } : {}),
	});
	try {
		const tag = uniqueTag("fault");
		const outcome = await watch(() => postJson("/v1/send", messageTo(tag, c.to), settings));
		expect(outcome.error).toBeUndefined();
		const response = outcome.value as Response;
		const record = c.relayMissesClose ? await relay.record() : await relay.closedRecord();

		if (c.http === "delivered") {
			expect(response.status).toBe(200);
			const sent = (await response.json()) as SentBody;
			expect(record.messages).toHaveLength(1);
			expect(record.messages[0].data).toContain(`Subject: api fault ${tag}`);
			expect(sent.accepted).toEqual(record.messages[0].rcptTo);
			expect(sent.id).not.toBe("");
		} else {
			const expected = c.smtp as Exclude<FaultCase["smtp"], "delivered">;
			const problem = await problemOf(response);
			expect({ status: response.status, code: problem.code }).toEqual(c.http);
			expect(problem.status).toBe(response.status);
			expect(problem.smtp?.stage).toBe(expected.stage);
			if (expected.code !== undefined) {
				expect(problem.smtp?.code).toBe(expected.code);
				expect(problem.smtp?.reply).toMatch(new RegExp(`^${expected.code}`));
			}
			if (response.status === 429 || response.status === 503) {
				const retryAfter = Number(response.headers.get("Retry-After"));
				expect(retryAfter).toBeGreaterThanOrEqual(1);
				expect(problem.retryAfter).toBe(retryAfter);
			}
		}
		if (c.never) {
			const never = c.never;
			expect(record.commands.filter((command) => never.test(command))).toEqual([]);
		}
		expectNothingLeftRunning(outcome);
		return { relay, settings, record };
	} finally {
		await relay.stop();
	}
}

describe("POST /v1/send under relay faults", () => {
	for (const c of faultCases) {
		it(`${c.name} → ${c.http === "delivered" ? "200" : `${c.http.status} ${c.http.code}`}`, async () => {
			await runCase(c);
			await expectHealthySend();
		});
	}

	it("after a 536 the api_user cools down: the next send is 429 without touching the relay", async () => {
		const c = faultCases.find((f) => f.smtp !== "delivered" && f.smtp.code === 536) as FaultCase;
		const user = `cool_user_${crypto.randomUUID().slice(0, 8)}`;
		const relay = await startFaultRelay({ ...c.script, users: { [user]: "api_key" } });
		try {
			const settings = relaySettings(relay.port, c.script.security, { SMTP_USER: user });
			expect((await postJson("/v1/send", messageTo(uniqueTag("first")), settings)).status).toBe(429);
			const again = await postJson("/v1/send", messageTo(uniqueTag("second")), settings);
			expect(again.status).toBe(429);
			expect(Number(again.headers.get("Retry-After"))).toBeGreaterThanOrEqual(1);
			expect((await problemOf(again)).code).toBe("rate_limited");
			expect((await relay.record()).connections).toHaveLength(1);
		} finally {
			await relay.stop();
		}
		await expectHealthySend();
	});
});
