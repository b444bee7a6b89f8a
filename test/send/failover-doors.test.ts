/**
 * The same failover through the other ways a message goes (issue 23): the
 * async consumer draining while the first relay dies, the warm pool, the REST
 * API as the first route or the second, and the send_email binding as the
 * second. Every message once; every record and answer names its route.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { forgetBreakers } from "../../src/pool";
import { message, type Overrides, post, problemOf } from "../api/support";
import { startRelay } from "../helpers/relay";
import { type RestRelayHandle, startRestRelay } from "../helpers/rest";
import { consume, recordOf, sendAsync } from "../records/support";

const opened: { stop(): Promise<void> }[] = [];
afterEach(async () => {
	await Promise.all(opened.splice(0).map((r) => r.stop()));
	forgetBreakers();
});

const secondRelay = (port: number): Overrides => ({
	FALLBACK_SMTP_HOST: "localhost",
	FALLBACK_SMTP_PORT: String(port),
	FALLBACK_SMTP_SECURITY: "starttls",
	FALLBACK_SMTP_USER: "api_user",
	FALLBACK_SMTP_PASS: "api_key",
	FALLBACK_RATE_LIMIT_PER_MINUTE: "1000",
});

async function rest(): Promise<RestRelayHandle> {
	const relay = await startRestRelay();
	opened.push(relay);
	return relay;
}

describe("failover through every door", () => {
	it("drains a backlog by the second route when the first relay dies: each once, each record names its route", async () => {
		const primary = await startRelay({ security: "starttls" });
		const fallback = await startRelay({ security: "starttls" });
		opened.push(primary, fallback);
		const settings = { SMTP_PORT: String(primary.port), SMTP_TIMEOUT_MS: "1500", ...secondRelay(fallback.port) };
		const tags = Array.from({ length: 4 }, () => crypto.randomUUID());
		const refs = [];
		for (const tag of tags) refs.push((await sendAsync(tag, settings)).body.ref);
		await consume(refs.slice(0, 2), settings);
		await primary.setMode("down");
		await consume(refs.slice(2), settings);
		const records = await Promise.all(refs.map(recordOf));
		expect(records.map((r) => [r.status, r.route])).toEqual([
			["sent", "primary"],
			["sent", "primary"],
			["sent", "fallback"],
			["sent", "fallback"],
		]);
		const [atPrimary, atFallback] = [await primary.messages(), await fallback.messages()];
		for (const [i, tag] of tags.entries()) {
			const here = atPrimary.filter((m) => m.data.includes(`test ${tag}\r\n`));
			const there = atFallback.filter((m) => m.data.includes(`test ${tag}\r\n`));
			expect(here.length + there.length, tag).toBe(1);
			expect([...here, ...there][0].queueId).toBe(records[i].relayId);
		}
	});

	it("moves a message through the warm pool's failure too", async () => {
		const primary = await startRelay({ security: "starttls" });
		const fallback = await startRelay({ security: "starttls" });
		opened.push(primary, fallback);
		await primary.setMode("down");
		const tag = crypto.randomUUID();
		const response = await post("/v1/send", message(tag), {
			SMTP_PORT: String(primary.port),
			SMTP_POOL: "on",
			SMTP_TIMEOUT_MS: "1500",
			...secondRelay(fallback.port),
		});
		expect(response.status).toBe(200);
		expect(((await response.json()) as { route: string }).route).toBe("fallback");
		expect((await fallback.messages()).filter((m) => m.data.includes(tag))).toHaveLength(1);
	});

	it("sends by the provider's REST API as the first route, sync and async, with no SMTP relay", async () => {
		const api = await rest();
		const settings: Overrides = { PRIMARY_ROUTE: "engagelab-rest", ENGAGELAB_REST_URL: api.url, SMTP_HOST: "" };
		const response = await post("/v1/send", message("rest-first", { labelId: 42 }), settings);
		expect(response.status).toBe(200);
		const sent = (await response.json()) as { id: string; route: string; messageId: string };
		expect(sent.route).toBe("primary");
		const { ref } = (
			await sendAsync("rest-queued", settings, { attachments: [{ filename: "a.txt", content: "aGk=" }] })
		).body;
		await consume([ref], settings);
		const record = await recordOf(ref);
		expect(record).toMatchObject({ status: "sent", route: "primary" });
		const { messages } = await api.record();
		expect(messages.map((m) => m.id)).toEqual([sent.id, record.relayId]);
		expect(messages[0].json).toMatchObject({
			body: { subject: "test rest-first", label_id: "42", headers: { "Message-ID": sent.messageId } },
		});
		// The queued message's fields came from the spool, its attachment too.
		expect(messages[1].json).toMatchObject({
			body: { attachments: [{ filename: "a.txt", content: "aGk=", disposition: "attachment" }] },
		});
	});

	it("moves a message the REST API answered 503 to the second relay, and never one it may have taken", async () => {
		const api = await rest();
		const fallback = await startRelay({ security: "starttls" });
		opened.push(fallback);
		const settings: Overrides = {
			PRIMARY_ROUTE: "engagelab-rest",
			ENGAGELAB_REST_URL: api.url,
			...secondRelay(fallback.port),
		};
		await api.setMode({ kind: "status", status: 503 });
		const moved = await post("/v1/send", message("rest-503"), settings);
		expect(((await moved.json()) as { route: string }).route).toBe("fallback");
		await api.setMode({ kind: "drop" });
		const unknown = await post("/v1/send", message("rest-dropped"), settings);
		expect((await problemOf(unknown)).code).toBe("delivery_unknown");
		expect((await fallback.messages()).map((m) => m.data.includes("test rest-503\r\n"))).toEqual([true]);
	});

	it("takes the provider's REST API as the second route", async () => {
		const primary = await startRelay({ security: "starttls" });
		opened.push(primary);
		await primary.setMode("down");
		const api = await rest();
		const response = await post("/v1/send", message("rest-second"), {
			SMTP_PORT: String(primary.port),
			FALLBACK_ENGAGELAB_REST: "on",
			ENGAGELAB_REST_URL: api.url,
		});
		const sent = (await response.json()) as { id: string; route: string };
		expect(sent.route).toBe("fallback");
		expect((await api.record()).messages.map((m) => m.id)).toEqual([sent.id]);
	});

	it("takes the send_email binding as the second route", async () => {
		const primary = await startRelay({ security: "starttls" });
		opened.push(primary);
		await primary.setMode("down");
		const response = await post("/v1/send", message("binding-second", { to: ["ben@example.com", "amy@example.com"] }), {
			SMTP_PORT: String(primary.port),
			FALLBACK_EMAIL: env.TEST_SEND_EMAIL as unknown as string,
		});
		expect(response.status).toBe(200);
		const sent = (await response.json()) as { id: string; route: string; accepted: string[] };
		expect(sent).toMatchObject({ route: "fallback", accepted: ["ben@example.com", "amy@example.com"] });
		expect(sent.id).toMatch(/@example\.com$/);
	});
});
