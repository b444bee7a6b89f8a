/**
 * Warm sessions end to end (inside workerd, real relays): a second send rides
 * the first one's session, labels get sessions of their own, an idle session
 * says QUIT, a crashed pool object leaves nothing hanging, batches use the
 * pool, and SMTP_POOL=off is today's direct path.
 */
import { describe, expect, it, vi } from "vitest";
import { message, post } from "../api/support";
import { startRelay } from "../helpers/relay";
import { allStats, auths, crashPool, pooled, relayTiming } from "./support";

describe("warm relay sessions", () => {
	it("sends the second message on the first one's session: one connection, one AUTH", async () => {
		const relay = await startRelay({ security: "starttls" });
		const first = await post("/v1/send", message("warm-1"), pooled(relay.port));
		const second = await post("/v1/send", message("warm-2"), pooled(relay.port));
		expect([first.status, second.status]).toEqual([200, 200]);
		expect([relayTiming(first), relayTiming(second)]).toEqual(["new", "warm"]);
		const [connection, ...others] = await relay.connections();
		expect(others).toEqual([]);
		expect(auths(connection.commands)).toBe(1);
		expect(connection.commands.filter((c) => c.startsWith("MAIL FROM"))).toHaveLength(2);
		const messages = await relay.messages();
		expect(messages.map((m) => m.connectionId)).toEqual([connection.id, connection.id]);
		const ids = [((await first.json()) as { id: string }).id, ((await second.json()) as { id: string }).id];
		expect(ids).toEqual(messages.map((m) => m.queueId));
		await relay.stop();
	});

	it("asks SMTP_POOL_SHARDS objects and no more: what they do not take goes directly", async () => {
		const relay = await startRelay({ security: "starttls" });
		const sends = Array.from({ length: 20 }, (_, i) =>
			post("/v1/send", message(`shards-${i}`), pooled(relay.port, { SMTP_POOL_SHARDS: "1" })),
		);
		expect((await Promise.all(sends)).map((r) => r.status)).toEqual(Array(20).fill(200));
		const [first, ...rest] = await allStats(relay.port);
		expect(first?.opened).toBeGreaterThan(0);
		expect(rest.map((s) => s.opened)).toEqual([0, 0, 0]);
		expect(await relay.messages()).toHaveLength(20);
		// With the default four, twenty at once spill past the first object (six calls while it is cold).
		const spill = await startRelay({ security: "starttls" });
		await Promise.all(
			Array.from({ length: 20 }, (_, i) => post("/v1/send", message(`spill-${i}`), pooled(spill.port))),
		);
		expect((await allStats(spill.port)).filter((s) => s.opened > 0).length).toBeGreaterThan(1);
		await relay.stop();
		await spill.stop();
	});

	it("keeps a session per label (AUTH user) and switches between them", async () => {
		const relay = await startRelay({ security: "starttls" });
		for (const [tag, labelId] of [
			["a1", 1],
			["b1", 2],
			["a2", 1],
			["plain", undefined],
		] as const) {
			const response = await post("/v1/send", message(tag, labelId ? { labelId } : {}), pooled(relay.port));
			expect(response.status).toBe(200);
		}
		const connections = await relay.connections();
		expect(connections.map((c) => c.authUser)).toEqual(["api_user#1", "api_user#2", "api_user"]);
		const messages = await relay.messages();
		expect(messages.map((m) => [m.authUser, m.connectionId])).toEqual([
			["api_user#1", connections[0].id],
			["api_user#2", connections[1].id],
			["api_user#1", connections[0].id],
			["api_user", connections[2].id],
		]);
		await relay.stop();
	});

	it("says QUIT to a session unused for SMTP_POOL_IDLE_MS", async () => {
		const relay = await startRelay({ security: "starttls" });
		const response = await post("/v1/send", message("idle"), pooled(relay.port, { SMTP_POOL_IDLE_MS: "1000" }));
		expect(response.status).toBe(200);
		const [connection] = await vi.waitFor(
			async () => {
				const connections = await relay.connections();
				if (!connections[0]?.closed) throw new Error("the idle session is still open");
				return connections;
			},
			{ timeout: 10_000, interval: 100 },
		);
		expect(connection.commands.at(-1)).toBe("QUIT");
		expect(connection.replies.at(-1)).toMatch(/^221 /);
		await relay.stop();
	});

	it("with the pool object crashed mid-idle, the next send opens a new session and is delivered once", async () => {
		const relay = await startRelay({ security: "starttls" });
		expect((await post("/v1/send", message("before-crash"), pooled(relay.port))).status).toBe(200);
		await crashPool(relay.port);
		const after = await post("/v1/send", message("after-crash"), pooled(relay.port));
		expect(after.status).toBe(200);
		expect(relayTiming(after)).toBe("new");
		expect((await relay.messages()).map((m) => m.rcptTo.length && m.data.match(/test ([\w-]+)/)?.[1])).toEqual([
			"before-crash",
			"after-crash",
		]);
		// The crashed object's socket went with it.
		await vi.waitFor(
			async () => {
				if (!(await relay.connections())[0].closed) throw new Error("the crashed object's session is still open");
			},
			{ timeout: 10_000, interval: 100 },
		);
		await relay.stop();
	});

	it("delivers a batch through the pool, and the next batch reuses its sessions", async () => {
		const relay = await startRelay({ security: "starttls" });
		const batch = (round: number) => ({
			// Six at once (the batch's width): all of the first batch's sessions are open together.
			messages: Array.from({ length: 6 }, (_, i) => message(`batch-${round}-${i}`, i % 2 ? {} : { labelId: 7 })),
		});
		const first = await post("/v1/batch", batch(1), pooled(relay.port));
		const firstConnections = (await relay.connections()).length;
		const second = await post("/v1/batch", batch(2), pooled(relay.port));
		for (const response of [first, second]) {
			expect(response.status).toBe(200);
			const { results } = (await response.json()) as { results: { status: number }[] };
			expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
		}
		expect(relayTiming(second)).toBe("warm");
		expect((await relay.connections()).length).toBe(firstConnections);
		const messages = await relay.messages();
		expect(messages).toHaveLength(12);
		for (const m of messages) expect(m.authUser).toBe(/test batch-\d-[024]\b/.test(m.data) ? "api_user#7" : "api_user");
		for (const stats of await allStats(relay.port)) expect(stats.highWater).toBeLessThanOrEqual(6);
		await relay.stop();
	});

	it("SMTP_POOL=off: today's direct path exactly, one session per request, QUIT at its end", async () => {
		const relay = await startRelay({ security: "starttls" });
		// A port can be reused by a later relay: compare the pool's counters, not their values.
		const opened = async () => (await allStats(relay.port)).map((s) => s.opened);
		const before = await opened();
		for (const tag of ["off-1", "off-2"]) {
			const response = await post("/v1/send", message(tag), pooled(relay.port, { SMTP_POOL: "off" }));
			expect(response.status).toBe(200);
			expect(relayTiming(response)).toBe("new");
		}
		const connections = await relay.connections();
		const today = ["EHLO", "STARTTLS", "EHLO", "AUTH", "<auth response>", "MAIL", "RCPT", "DATA", "QUIT"];
		const verbs = (commands: string[]) => commands.map((line) => (line.startsWith("<") ? line : line.split(/[ :]/)[0]));
		expect(connections.map((c) => verbs(c.commands))).toEqual([today, today]);
		expect(connections[0].flights).toBe(connections[1].flights);
		// The relay learns of a close a moment after the client makes it.
		await vi.waitFor(
			async () => {
				if (!(await relay.connections()).every((c) => c.closed)) throw new Error("a direct session is still open");
			},
			{ timeout: 10_000, interval: 50 },
		);
		expect(await opened()).toEqual(before);
		await relay.stop();
	});
});
