/**
 * A permit's deadline, from the budget to the relay: a delivery asked to
 * start after its permit's start deadline sends nothing (directly or through
 * the pool) and its permit goes back at the settle; a consumer job whose
 * batch grant is too old to start on goes back in line without an attempt.
 */
import { describe, expect, it } from "vitest";
import { readConfig } from "../../src/config";
import type { Bindings } from "../../src/env";
import { deadlineFor, type PermitOutcome, type Permits, START_BY_MS } from "../../src/limit";
import { deliverSendJobs } from "../../src/records/send-jobs";
import { asyncBindings } from "../../src/send/async-rules";
import { deliverMessages } from "../../src/send/delivery";
import { userLimiter } from "../../src/send/limiter";
import { prepareMessage } from "../../src/send/prepare";
import { settle } from "../../src/send/settle";
import { baseEnv, message, relayAt } from "../api/support";
import { startRelay } from "../helpers/relay";
import { recordOf, sendAsync } from "../records/support";

async function setting(overrides: Record<string, string>) {
	const user = `deadline_${crypto.randomUUID().slice(0, 8)}`;
	const relay = await startRelay({ security: "starttls", users: { [user]: "api_key" } });
	const env = { ...baseEnv, ...relayAt(relay.port, { SMTP_USER: user, ...overrides }) } as Bindings;
	const read = readConfig(env, "localhost");
	if (!read.ok) throw new Error("the test settings do not read");
	return { relay, env, config: read.config, user };
}

describe("a delivery past its permit's start deadline", () => {
	for (const [path, overrides] of [
		["direct", {}],
		["through the pool", { SMTP_POOL: "on" }],
	] as const) {
		it(`${path}: sends nothing, answers a timeout, and its permit goes back at the settle`, async () => {
			const { relay, env, config } = await setting(overrides);
			try {
				const limiter = userLimiter(env, config);
				const permits = await limiter.acquire(1);
				expect(permits.granted).toBe(1);
				// The permit was asked for longer ago than a transaction may start after.
				const asked = Date.now() - START_BY_MS - 1;
				const stale = { ...permits, deadline: deadlineFor(asked) };
				const prepared = await prepareMessage(message("too-late"), config, { kind: "bearer", id: "test" });
				const report = await deliverMessages(env, config, [{ index: 0, prepared }], () => {}, stale.deadline);
				const result = report.results.get(0);
				expect(result?.ok).toBe(false);
				if (result?.ok !== false) return;
				expect(result.problem.code).toBe("relay_timeout");
				expect(result.problem.detail).toMatch(/not started: .*start deadline/);
				expect(result.release).toBe(true);
				expect((await limiter.usage()).used).toBe(1);
				await settle(limiter, stale, [result]);
				expect((await limiter.usage()).used).toBe(0);
				const record = await relay.record();
				expect(record.connections.flatMap((c) => c.commands).filter((c) => c.startsWith("MAIL"))).toEqual([]);
				expect(record.messages).toHaveLength(0);
			} finally {
				await relay.stop();
			}
		});
	}

	it("a consumer job whose batch grant is too old to start on: back in line, no attempt, permit back", async () => {
		const { relay, env, config, user } = await setting({ RATE_LIMIT_PER_MINUTE: "10" });
		try {
			const { body } = await sendAsync("stale-grant", relayAt(relay.port, { SMTP_USER: user }));
			const before = await recordOf(body.ref);
			const limiter = userLimiter(env, config);
			const settled: PermitOutcome[] = [];
			// A batch grant made long ago (a slow batch): its permits' start deadline has passed.
			const stale = {
				...limiter,
				acquire: async (n: number): Promise<Permits> => ({
					...(await limiter.acquire(n)),
					deadline: deadlineFor(Date.now() - START_BY_MS - 1),
				}),
				settle: async (permits: Permits, outcome: PermitOutcome) => {
					settled.push(outcome);
					await limiter.settle(permits, outcome);
				},
			};
			const verdicts = await deliverSendJobs(
				{
					env: { ...env, ...asyncBindings(env) },
					config,
					now: Date.now,
					random: () => 0,
					closeLater: () => {},
					limiter: stale,
				},
				[body.ref],
			);
			expect(verdicts.get(body.ref)?.kind).toBe("again");
			expect(await recordOf(body.ref)).toEqual(before);
			expect(settled).toEqual([{ sent: 0, released: 1 }]);
			expect((await limiter.usage()).used).toBe(0);
			expect((await relay.record()).connections).toHaveLength(0);
		} finally {
			await relay.stop();
		}
	});
});
