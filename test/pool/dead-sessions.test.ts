/**
 * A warm session that died while idle — the relay's idle timeout closing it
 * (with 421, or by a reset), a 421 to MAIL — costs nothing but a new session:
 * exactly one delivery, no error. A failure after the final dot is
 * delivery_unknown and is never sent again. 100 concurrent sends through one
 * api_user: each delivered once, one transaction at a time per connection,
 * never more than six sockets per pool object.
 */
import { describe, expect, it, vi } from "vitest";
import { message, post, problemOf } from "../api/support";
import { startFaultRelay } from "../helpers/faults";
import { type RelayHandle, startRelay } from "../helpers/relay";
import { allStats, pooled, relayTiming } from "./support";

/** Until the relay has ended every connection (a warm session only notices on its next use). */
const waitEnded = (relay: RelayHandle) =>
	vi.waitFor(
		async () => {
			const connections = await relay.connections();
			const ended = (c: (typeof connections)[number]) => c.closed || c.replies.at(-1)?.startsWith("421");
			if (!connections.every(ended)) throw new Error("a connection has not been ended yet");
		},
		{ timeout: 10_000, interval: 50 },
	);

const tagOf = (data: string) => /test ([\w-]+)/.exec(data)?.[1];

describe("a warm session that died", () => {
	for (const idleAction of ["close", "reset"] as const) {
		it(`relay ended the idle connection (${idleAction === "close" ? "421, then closed" : "TCP reset"}): the next send goes through once`, async () => {
			const relay = await startRelay({ security: "starttls", idleTimeoutMs: 300, idleAction });
			expect((await post("/v1/send", message(`${idleAction}-1`), pooled(relay.port))).status).toBe(200);
			await waitEnded(relay);
			const second = await post("/v1/send", message(`${idleAction}-2`), pooled(relay.port));
			expect(second.status).toBe(200);
			expect(relayTiming(second)).toBe("new");
			expect((await relay.messages()).map((m) => tagOf(m.data))).toEqual([`${idleAction}-1`, `${idleAction}-2`]);
			expect(await relay.connections()).toHaveLength(2);
			await relay.stop();
		});
	}

	it("421 to MAIL on the warm session: retried once on a new session, delivered once", async () => {
		const relay = await startFaultRelay({
			security: "starttls",
			at: { mail: [null, { reply: "421 4.4.2 idle too long, closing", thenDrop: true }] },
		});
		expect((await post("/v1/send", message("421-1"), pooled(relay.port))).status).toBe(200);
		const second = await post("/v1/send", message("421-2"), pooled(relay.port));
		expect(second.status).toBe(200);
		const record = await relay.record();
		expect(record.messages.map((m) => [tagOf(m.data), m.connectionId])).toEqual([
			["421-1", record.connections[0].id],
			["421-2", record.connections[1].id],
		]);
		await relay.stop();
	});

	it("connection lost after the final dot: delivery_unknown, and the message is not sent again", async () => {
		const relay = await startFaultRelay({ security: "starttls", at: { message: [null, { drop: true }] } });
		expect((await post("/v1/send", message("dot-1"), pooled(relay.port))).status).toBe(200);
		const second = await post("/v1/send", message("dot-2"), pooled(relay.port));
		expect(second.status).toBe(502);
		expect((await problemOf(second)).code).toBe("delivery_unknown");
		const record = await relay.record();
		expect(record.messages.map((m) => tagOf(m.data))).toEqual(["dot-1", "dot-2"]);
		expect(record.connections).toHaveLength(1);
		await relay.stop();
	});
});

describe("100 concurrent sends through one api_user", () => {
	it("each is delivered once, one transaction at a time per connection, at most 6 sockets per pool object", async () => {
		const relay = await startRelay({ security: "starttls" });
		const tags = Array.from({ length: 100 }, (_, i) => `many-${i}`);
		const responses = await Promise.all(tags.map((tag) => post("/v1/send", message(tag), pooled(relay.port))));
		expect(responses.map((r) => r.status)).toEqual(tags.map(() => 200));
		const messages = await relay.messages();
		expect(messages.map((m) => tagOf(m.data)).sort()).toEqual([...tags].sort());
		for (const connection of await relay.connections()) {
			// MAIL, RCPT, DATA, MAIL, RCPT, DATA…: a second MAIL inside a transaction would be an interleaving.
			const verbs = connection.commands.filter((c) => /^(MAIL|RCPT|DATA)/.test(c)).map((c) => c.slice(0, 4));
			expect(verbs.join(" ")).toMatch(/^(MAIL RCPT DATA ?)*$/);
		}
		for (const stats of await allStats(relay.port)) expect(stats.highWater).toBeLessThanOrEqual(6);
		await relay.stop();
	});
});
