/**
 * A backlog waiting on a full limiter window (src/records/send-jobs.ts): a
 * refused job is not an attempt, changes nothing a reader of its record
 * sees, holds no permit, and asks again somewhere between the next free
 * permit and at most 15 s later (sooner when the window empties sooner), so
 * thousands of queued jobs do not each ask every second.
 */
import { describe, expect, it } from "vitest";
import { readConfig } from "../../src/config";
import type { Bindings } from "../../src/env";
import { deliverSendJobs, type JobVerdict, type SendJobsContext } from "../../src/records/send-jobs";
import { asyncBindings } from "../../src/send/async-rules";
import { type Limiter, userLimiter } from "../../src/send/limiter";
import { auth, baseEnv, call, relayAt } from "../api/support";
import { startRelay } from "../helpers/relay";
import { attachClock, bindings, fakeClock } from "../limit/support";
import { recordOf, sendAsync } from "./support";

const LIMIT = 4;

async function fullWindow(tag: string) {
	const user = `backlog_${tag}_${Date.now()}`;
	const relay = await startRelay({ security: "starttls", users: { [user]: "api_key" } });
	const overrides = relayAt(relay.port, { SMTP_USER: user, RATE_LIMIT_PER_MINUTE: String(LIMIT) });
	const stub = bindings.RATE_LIMITER.get(bindings.RATE_LIMITER.idFromName(user));
	const clock = fakeClock(Date.now());
	await attachClock(stub, clock);
	const base = { ...baseEnv, ...overrides } as Bindings;
	const env = { ...base, ...asyncBindings(base) };
	const read = readConfig(env, "localhost");
	if (!read.ok) throw new Error("the test settings do not read");
	const context = (draw: number): SendJobsContext => ({
		env,
		config: read.config,
		now: () => clock.now,
		random: () => draw,
		closeLater: () => {},
		limiter: userLimiter(env, read.config),
	});
	return { relay, overrides, stub, clock, context };
}

/** One job through the batch flow; its verdict. */
const attemptSend = async (context: SendJobsContext, ref: string): Promise<JobVerdict | undefined> =>
	(await deliverSendJobs(context, [ref])).get(ref);

describe("a backlog on a full window", () => {
	it("a refused job writes nothing, takes no permit and asks again within the window", async () => {
		const { relay, overrides, stub, clock, context } = await fullWindow("refused");
		try {
			const { body } = await sendAsync("backlog-refused", overrides);
			const before = await recordOf(body.ref);
			// The window fills with sends a second apart, so permits free up over the next 60 s.
			for (let i = 0; i < LIMIT; i++) {
				const grant = await stub.acquire(1, LIMIT);
				expect(grant.granted).toBe(1);
				await stub.settle(0, 1, grant.at, LIMIT);
				clock.advance(1000);
			}
			const now = clock.now;
			const soon = await attemptSend(context(0), body.ref);
			const late = await attemptSend(context(0.999), body.ref);
			if (soon?.kind !== "again" || late?.kind !== "again")
				throw new Error(`not asked again: ${soon?.kind}, ${late?.kind}`);
			// The first permit frees 60 s after it was taken; the last one 3 s after that.
			expect(soon.dueAt - now).toBeGreaterThanOrEqual(56_000);
			expect(late.dueAt).toBeGreaterThan(soon.dueAt);
			expect(late.dueAt - now).toBeLessThanOrEqual(60_000);
			// Nothing a reader sees (the shard only moved when it expects the job back).
			expect(await recordOf(body.ref)).toEqual(before);
			expect((await stub.usage(LIMIT)).used).toBe(LIMIT);
			expect((await relay.record()).messages).toHaveLength(0);

			clock.advance(soon.dueAt - now);
			expect(await attemptSend(context(0), body.ref)).toEqual({ kind: "ack" });
			expect(await recordOf(body.ref)).toMatchObject({ status: "sent", attempts: 1 });
			expect((await relay.record()).messages).toHaveLength(1);
		} finally {
			await relay.stop();
		}
	});

	it("a job canceled while it was getting its permit gives the permit back and sends nothing", async () => {
		const { relay, overrides, stub, clock, context } = await fullWindow("canceled");
		try {
			const { body } = await sendAsync("backlog-canceled", overrides);
			clock.advance(5000); // past the record's createdAt, by the real clock
			const base = context(0);
			const real = base.limiter;
			// The cancel lands between the grant and the claim, as a DELETE from another request could.
			const limiter: Limiter = {
				...real,
				acquire: async (n) => {
					const grant = await real.acquire(n);
					const canceled = await call(`/v1/messages/${body.ref}`, { method: "DELETE", headers: auth }, overrides);
					expect(canceled.status).toBe(200);
					return grant;
				},
			};
			expect(await attemptSend({ ...base, limiter }, body.ref)).toEqual({ kind: "ack" });
			expect(await recordOf(body.ref)).toMatchObject({ status: "canceled", attempts: 0 });
			expect((await stub.usage(LIMIT)).used).toBe(0);
			expect((await relay.record()).connections).toHaveLength(0);
		} finally {
			await relay.stop();
		}
	});
});
