/**
 * POST /v1/batch: a hundred messages over three labels arrive complete with
 * one result each, in order; a bad message is its own result; what the
 * limiter or the relay refuses is answered per message.
 */
import { describe, expect, it } from "vitest";
import { startRelay } from "../helpers/relay";
import { message, parse, post, relayAt } from "./support";

type Result = { status: number; id?: string; messageId?: string; code?: string; errors?: { path: string }[] };

const uniqueUser = (prefix: string) => `${prefix}_${crypto.randomUUID().slice(0, 8)}`;

describe("POST /v1/batch", () => {
	it("delivers 100 messages across 3 labels: 3 AUTH users, at most 6 connections, results in order", async () => {
		const relay = await startRelay({ security: "starttls" });
		const messages = Array.from({ length: 100 }, (_, i) =>
			message(`batch-${i}`, { to: `user${i}@example.com`, labelId: (i % 3) + 1 }),
		);
		const response = await post("/v1/batch", { messages }, relayAt(relay.port));
		expect(response.status).toBe(200);
		const { results } = (await response.json()) as { results: Result[] };
		expect(results).toHaveLength(100);
		expect(results.every((r) => r.status === 200)).toBe(true);

		const recorded = await relay.messages();
		expect(recorded).toHaveLength(100);
		const byRecipient = new Map(recorded.map((m) => [m.rcptTo[0], m]));
		for (const [i, result] of results.entries()) {
			const m = byRecipient.get(`user${i}@example.com`);
			expect(m?.queueId).toBe(result.id);
			expect(m?.authUser).toBe(`api_user#${(i % 3) + 1}`);
		}
		const email = await parse(byRecipient.get("user42@example.com") ?? recorded[0]);
		expect(email.subject).toBe("test batch-42");
		expect(email.messageId).toBe(results[42].messageId);

		const connections = await relay.connections();
		expect(new Set(connections.map((c) => c.authUser))).toEqual(new Set(["api_user#1", "api_user#2", "api_user#3"]));
		expect(connections.length).toBeLessThanOrEqual(6);
		await relay.stop();
	});

	it("answers a bad message on its own and admits the rest up to the limit", async () => {
		const user = uniqueUser("batch");
		const relay = await startRelay({ security: "starttls", users: { [user]: "api_key" } });
		const messages = [
			message("ok-0"),
			message("bad-1", { from: "nope", labelId: "x" }),
			message("ok-2", { labelId: 5 }),
			message("ok-3"),
			message("late-4"),
		];
		const settings = relayAt(relay.port, { SMTP_USER: user, RATE_LIMIT_PER_MINUTE: "3" });
		const response = await post("/v1/batch", { messages }, settings);
		expect(response.status).toBe(200);
		const { results } = (await response.json()) as { results: Result[] };
		expect(results.map((r) => r.status)).toEqual([200, 400, 200, 200, 429]);
		expect(results[1].code).toBe("validation_failed");
		expect(results[1].errors?.map((e) => e.path)).toEqual(["from", "labelId"]);
		expect(results[4].code).toBe("rate_limited");
		const subjects = (await relay.messages()).map((m) => /^Subject: (.*)$/m.exec(m.data)?.[1]).sort();
		expect(subjects).toEqual(["test ok-0", "test ok-2", "test ok-3"]);
		await relay.stop();
	});

	it("stops a session at the relay's 536: the rest are 429 and not sent", async () => {
		const user = uniqueUser("batch536");
		const relay = await startRelay({ security: "starttls", users: { [user]: "api_key" }, perMinute: 2 });
		const messages = Array.from({ length: 4 }, (_, i) => message(`f-${i}`));
		const response = await post("/v1/batch", { messages }, relayAt(relay.port, { SMTP_USER: user }));
		const { results } = (await response.json()) as { results: (Result & { smtp?: { code: number } })[] };
		expect(results.map((r) => r.status)).toEqual([200, 200, 429, 429]);
		expect(results[2].smtp?.code).toBe(536);
		expect(results[3].smtp).toBeUndefined();
		expect(await relay.messages()).toHaveLength(2);
		const mails = (await relay.connections()).flatMap((c) => c.commands).filter((c) => c.startsWith("MAIL"));
		expect(mails).toHaveLength(3);
		await relay.stop();
	});
});
