/**
 * RateLimit-Policy / RateLimit (IETF httpapi draft) on the routes that count:
 * the figures agree with GET /v1/limits before and after sends, on a refused
 * message (its permit handed back), on our own 429 and on the relay's 536.
 */
import { describe, expect, it } from "vitest";
import { startRelay } from "../helpers/relay";
import { auth, call, message, post, relayAt } from "./support";

interface Limits {
	limit: number;
	used: number;
	remaining: number;
	resetInMs: number;
}

/** The draft's syntax, parsed strictly: a header that does not match fails the test. */
function rateLimitOf(response: Response): { q: number; w: number; r: number; t: number } {
	const policy = /^"default";q=(\d+);w=(\d+)$/.exec(response.headers.get("RateLimit-Policy") ?? "");
	const state = /^"default";r=(\d+);t=(\d+)$/.exec(response.headers.get("RateLimit") ?? "");
	if (!policy || !state) {
		throw new Error(
			`bad RateLimit headers: ${response.headers.get("RateLimit-Policy")} / ${response.headers.get("RateLimit")}`,
		);
	}
	return { q: Number(policy[1]), w: Number(policy[2]), r: Number(state[1]), t: Number(state[2]) };
}

const userAt = async (perMinute: string, relayOptions: { perMinute?: number } = {}) => {
	const user = `rl_${crypto.randomUUID().slice(0, 8)}`;
	const relay = await startRelay({
		security: "starttls",
		users: { [user]: "api_key" },
		rejectRecipient: "^reject-me@",
		...relayOptions,
	});
	return { relay, overrides: relayAt(relay.port, { SMTP_USER: user, RATE_LIMIT_PER_MINUTE: perMinute }) };
};

describe("RateLimit headers", () => {
	it("match GET /v1/limits before and after sends, batches and a refused message", async () => {
		const { relay, overrides } = await userAt("5");
		const limitsNow = async () => {
			const response = await call("/v1/limits", { headers: auth }, overrides);
			return { headers: rateLimitOf(response), body: (await response.json()) as Limits };
		};
		const before = await limitsNow();
		expect(before.body).toMatchObject({ limit: 5, used: 0, remaining: 5 });
		expect(before.headers).toMatchObject({ q: 5, w: 60, r: 5, t: 0 });

		const sent = await post("/v1/send", message("rl-1"), overrides);
		expect(sent.status).toBe(200);
		const afterSend = rateLimitOf(sent);
		expect(afterSend).toMatchObject({ q: 5, w: 60, r: 4 });
		expect(afterSend.t).toBeGreaterThan(0);
		expect(afterSend.t).toBeLessThanOrEqual(61);
		const after = await limitsNow();
		expect(after.body).toMatchObject({ used: 1, remaining: 4 });
		expect(after.headers.r).toBe(after.body.remaining);
		expect(after.headers.t).toBe(Math.ceil(after.body.resetInMs / 1000));

		// Two good messages and one bad one: the batch takes two permits.
		const batch = await post(
			"/v1/batch",
			{ messages: [message("rl-2"), message("rl-3"), { ...message("bad"), to: "nobody" }] },
			overrides,
		);
		expect(batch.status).toBe(200);
		expect(rateLimitOf(batch).r).toBe(2);
		expect((await limitsNow()).body.remaining).toBe(2);

		// A message the relay refuses at RCPT hands its permit back: the header says so.
		const refused = await post("/v1/send", message("rl-4", { to: "reject-me@blocked.example" }), overrides);
		expect(refused.status).toBe(502);
		expect(rateLimitOf(refused).r).toBe((await limitsNow()).body.remaining);

		// A request that fails validation is an authenticated answer too.
		const invalid = await post("/v1/send", { ...message("x"), subject: undefined }, overrides);
		expect(invalid.status).toBe(400);
		expect(rateLimitOf(invalid)).toMatchObject({ q: 5, r: (await limitsNow()).body.remaining });
		await relay.stop();
	});

	it("are on our own 429 (r=0, with Retry-After) and on the relay's 536", async () => {
		const { relay, overrides } = await userAt("1");
		expect((await post("/v1/send", message("one"), overrides)).status).toBe(200);
		const limited = await post("/v1/send", message("two"), overrides);
		expect(limited.status).toBe(429);
		expect(Number(limited.headers.get("Retry-After"))).toBeGreaterThan(0);
		const headers = rateLimitOf(limited);
		expect(headers).toMatchObject({ q: 1, w: 60, r: 0 });
		expect(headers.t).toBeGreaterThanOrEqual(Number(limited.headers.get("Retry-After")) - 1);
		const limits = (await (await call("/v1/limits", { headers: auth }, overrides)).json()) as Limits;
		expect(limits.remaining).toBe(0);
		await relay.stop();

		const provider = await userAt("100", { perMinute: 1 });
		expect((await post("/v1/send", message("p1"), provider.overrides)).status).toBe(200);
		const cooled = await post("/v1/send", message("p2"), provider.overrides);
		expect(cooled.status).toBe(429);
		expect(rateLimitOf(cooled)).toMatchObject({ q: 100, r: 0 });
		await provider.relay.stop();
	});

	it("a 202 carries RateLimit-Policy alone: queuing a message asks the limiter nothing", async () => {
		const { relay, overrides } = await userAt("7");
		const queued = await post("/v1/send", message("rl-async"), overrides, { Prefer: "respond-async" });
		expect(queued.status).toBe(202);
		expect(queued.headers.get("RateLimit-Policy")).toBe('"default";q=7;w=60');
		expect(queued.headers.get("RateLimit")).toBeNull();
		const batch = await post("/v1/batch", { messages: [message("rl-a1"), message("rl-a2")] }, overrides, {
			Prefer: "respond-async",
		});
		expect(batch.status).toBe(202);
		expect(batch.headers.get("RateLimit-Policy")).toBe('"default";q=7;w=60');
		expect(batch.headers.get("RateLimit")).toBeNull();
		// Nothing was counted for them: their permits are the queue consumer's to take.
		const limits = (await (await call("/v1/limits", { headers: auth }, overrides)).json()) as Limits;
		expect(limits).toMatchObject({ used: 0, remaining: 7 });
		await relay.stop();
	});

	it("with the budget split over shards, GET /v1/limits sums them and a 536 cools them all", async () => {
		// 12,000 a minute: three RateLimiter objects of 4,000 each. The relay itself allows one call a minute.
		const { relay, overrides } = await userAt("12000", { perMinute: 1 });
		const limitsNow = async () => (await (await call("/v1/limits", { headers: auth }, overrides)).json()) as Limits;
		expect((await post("/v1/send", message("rl-s1"), overrides)).status).toBe(200);
		expect((await post("/v1/send", message("rl-s2"), overrides)).status).toBe(429); // the relay's 536
		// One sent; the one the relay refused was handed back, and its 536 counts once; every shard cools.
		expect(await limitsNow()).toMatchObject({ limit: 12_000, used: 2, remaining: 0 });
		const refused = await post("/v1/send", message("rl-s3"), overrides);
		expect(refused.status).toBe(429);
		expect(rateLimitOf(refused)).toMatchObject({ q: 12_000, r: 0 });
		// Whichever shard it asked (and the one more), ours said no: the relay never saw it.
		const mails = (await relay.record()).connections.flatMap((c) => c.commands).filter((c) => c.startsWith("MAIL"));
		expect(mails).toHaveLength(2);
		await relay.stop();
	});

	it("are not on unauthenticated answers", async () => {
		const response = await call("/v1/send", { method: "POST", body: JSON.stringify(message("anon")) });
		expect(response.status).toBe(401);
		expect(response.headers.get("RateLimit")).toBeNull();
		expect(response.headers.get("RateLimit-Policy")).toBeNull();
	});
});
