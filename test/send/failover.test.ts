/**
 * Failover through the whole send path (issue 23), against two relays of the
 * test's own: the first taken down, hanging, or failing at a stage, the
 * second the FALLBACK_SMTP_* route. Every message arrives once, at one relay,
 * and every answer names the route it took.
 */
import { runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { BREAKER, forgetBreakers, type PoolBindings, type RouteBreaker, routeKey } from "../../src/pool";
import { auth, baseEnv, call, message, type Overrides, post, problemOf } from "../api/support";
import { startFaultRelay } from "../helpers/faults";
import { type RelayHandle, startRelay } from "../helpers/relay";

interface SentBody {
	id: string;
	route: string;
	ref?: string;
}

const opened: { stop(): Promise<void> }[] = [];
afterEach(async () => {
	await Promise.all(opened.splice(0).map((r) => r.stop()));
	forgetBreakers();
});

async function relays(): Promise<{ primary: RelayHandle; fallback: RelayHandle }> {
	const primary = await startRelay({ security: "starttls" });
	const fallback = await startRelay({ security: "starttls" });
	opened.push(primary, fallback);
	return { primary, fallback };
}

/** Settings: the first route at `primaryPort`, the second at `fallbackPort`, short timeouts. */
const routes = (primaryPort: number, fallbackPort: number, extra: Overrides = {}): Overrides => ({
	SMTP_PORT: String(primaryPort),
	SMTP_TIMEOUT_MS: "1500",
	FALLBACK_SMTP_HOST: "localhost",
	FALLBACK_SMTP_PORT: String(fallbackPort),
	FALLBACK_SMTP_SECURITY: "starttls",
	FALLBACK_SMTP_USER: "api_user",
	FALLBACK_SMTP_PASS: "api_key",
	FALLBACK_RATE_LIMIT_PER_MINUTE: "1000",
	...extra,
});

const breakerOf = (port: number) => {
	const namespace = (baseEnv as unknown as PoolBindings).ROUTE_BREAKER as DurableObjectNamespace<RouteBreaker>;
	const key = routeKey({ kind: "smtp", host: "localhost", port, user: "api_user" });
	return { key, stub: namespace.get(namespace.idFromName(key)) };
};

/** Each tag's copies at the two relays. */
async function arrivals(primary: RelayHandle, fallback: RelayHandle, tags: string[]) {
	const [atPrimary, atFallback] = await Promise.all([primary.messages(), fallback.messages()]);
	return tags.map((tag) => ({
		tag,
		primary: atPrimary.filter((m) => m.data.includes(`test ${tag}\r\n`)).length,
		fallback: atFallback.filter((m) => m.data.includes(`test ${tag}\r\n`)).length,
	}));
}

describe("failover to a second SMTP relay", () => {
	it("sends every message by the second route, once, while the first is down from the start", async () => {
		const { primary, fallback } = await relays();
		await primary.setMode("down");
		const tags = Array.from({ length: 5 }, () => crypto.randomUUID());
		for (const tag of tags) {
			const response = await post("/v1/send", message(tag), routes(primary.port, fallback.port));
			expect(response.status).toBe(200);
			const body = (await response.json()) as SentBody;
			expect(body.route).toBe("fallback");
			expect(response.headers.get("Server-Timing")).toMatch(/^relay;dur=\d+;desc="fallback"$/);
		}
		expect(await arrivals(primary, fallback, tags)).toEqual(tags.map((tag) => ({ tag, primary: 0, fallback: 1 })));
		// Three route failures opened the first route's breaker: the last sends did not try it.
		const view = await breakerOf(primary.port).stub.view(breakerOf(primary.port).key);
		expect(view).toMatchObject({ state: "open", lastFailure: { reason: "connect: unavailable" } });
	});

	it("moves a message the first relay answered 421 before MAIL", async () => {
		const first = await startFaultRelay({
			security: "starttls",
			at: { mail: { reply: "421 4.3.2 Closing for maintenance" } },
		});
		const fallback = await startRelay({ security: "starttls" });
		opened.push(first, fallback);
		const tag = crypto.randomUUID();
		const response = await post("/v1/send", message(tag), routes(first.port, fallback.port));
		expect(response.status).toBe(200);
		const body = (await response.json()) as SentBody;
		expect(body.route).toBe("fallback");
		const [arrived] = (await fallback.messages()).filter((m) => m.data.includes(tag));
		expect(arrived.queueId).toBe(body.id);
		expect((await first.closedRecord()).messages).toEqual([]);
	});

	it("never moves a 550: the caller hears it, and the second relay gets nothing", async () => {
		const first = await startFaultRelay({ security: "starttls", at: { rcpt: { reply: "550 5.1.1 No such user" } } });
		const fallback = await startRelay({ security: "starttls" });
		opened.push(first, fallback);
		const response = await post("/v1/send", message(crypto.randomUUID()), routes(first.port, fallback.port));
		expect(response.status).toBe(502);
		expect((await problemOf(response)).code).toBe("relay_rejected");
		expect(await fallback.messages()).toEqual([]);
	});

	it("never moves a message whose connection dropped after the final dot (delivery unknown)", async () => {
		const first = await startFaultRelay({ security: "starttls", at: { message: { drop: true } } });
		const fallback = await startRelay({ security: "starttls" });
		opened.push(first, fallback);
		const response = await post("/v1/send", message(crypto.randomUUID()), routes(first.port, fallback.port));
		expect(response.status).toBe(502);
		expect((await problemOf(response)).code).toBe("delivery_unknown");
		expect(await fallback.messages()).toEqual([]);
	});

	it("moves the rest of a batch when the first relay dies in the middle of it: none at both, none missing", async () => {
		// The first relay takes two messages, then cuts every connection at MAIL.
		const first = await startFaultRelay({
			security: "starttls",
			acrossConnections: true,
			at: { mail: [null, null, ...Array.from({ length: 20 }, () => ({ drop: true as const }))] },
		});
		const fallback = await startRelay({ security: "starttls" });
		opened.push(first, fallback);
		const tags = Array.from({ length: 6 }, () => crypto.randomUUID());
		const response = await post(
			"/v1/batch",
			{ messages: tags.map((tag) => message(tag)) },
			routes(first.port, fallback.port),
		);
		expect(response.status).toBe(200);
		const { results } = (await response.json()) as { results: (SentBody & { status: number })[] };
		expect(results.map((r) => r.status)).toEqual(tags.map(() => 200));
		expect(results.map((r) => r.route)).toEqual(["primary", "primary", "fallback", "fallback", "fallback", "fallback"]);
		const atFirst = (await first.closedRecord()).messages;
		const atFallback = await fallback.messages();
		for (const [i, tag] of tags.entries()) {
			const here = atFirst.filter((m) => m.data.includes(`test ${tag}\r\n`)).length;
			const there = atFallback.filter((m) => m.data.includes(`test ${tag}\r\n`)).length;
			expect(here + there, tag).toBe(1);
			expect(here === 1 ? "primary" : "fallback").toBe(results[i].route);
		}
	});

	it("closes the breaker once the first relay is back and a trial send reaches it", async () => {
		const { primary, fallback } = await relays();
		await primary.setMode("down");
		const settings = routes(primary.port, fallback.port);
		for (let i = 0; i < BREAKER.failures; i++) await post("/v1/send", message(crypto.randomUUID()), settings);
		const { key, stub } = breakerOf(primary.port);
		expect((await stub.view(key)).state).toBe("open");

		await primary.setMode("up");
		// The cool-down passes on the breaker's clock; this isolate forgets what it knew.
		const later = Date.now() + BREAKER.coolDownMs + 1;
		await runInDurableObject(stub, (instance: RouteBreaker) => instance.setClock(() => later));
		forgetBreakers();
		const tag = crypto.randomUUID();
		const response = await post("/v1/send", message(tag), settings);
		expect(((await response.json()) as SentBody).route).toBe("primary");
		expect((await stub.view(key)).state).toBe("closed");
		expect(await arrivals(primary, fallback, [tag])).toEqual([{ tag, primary: 1, fallback: 0 }]);
	});

	it("changes nothing without a second route: the relay's failure is the answer", async () => {
		const { primary } = await relays();
		await primary.setMode("down");
		const response = await post("/v1/send", message(crypto.randomUUID()), { SMTP_PORT: String(primary.port) });
		expect(response.status).toBe(503);
		expect((await problemOf(response)).code).toBe("relay_unavailable");
	});
});

describe("GET /v1/relays", () => {
	it("shows each route, its breaker, and the last failure and why, to API-key callers", async () => {
		const { primary, fallback } = await relays();
		await primary.setMode("down");
		const settings = routes(primary.port, fallback.port, { FALLBACK_ENGAGELAB_REST: "on" });
		for (let i = 0; i < BREAKER.failures; i++) await post("/v1/send", message(crypto.randomUUID()), settings);
		const response = await call("/v1/relays", { headers: auth }, settings);
		expect(response.status).toBe(200);
		const body = (await response.json()) as {
			routes: {
				name: string;
				kind: string;
				target: string;
				breaker: { state: string; lastFailure?: { reason: string } };
			}[];
			ignored: string[];
		};
		expect(body.routes.map((r) => [r.name, r.kind, r.target, r.breaker.state])).toEqual([
			["primary", "smtp", `localhost:${primary.port}`, "open"],
			["fallback", "smtp", `localhost:${fallback.port}`, "closed"],
		]);
		expect(body.routes[0].breaker.lastFailure?.reason).toBe("connect: unavailable");
		expect(body.ignored).toEqual(["FALLBACK_ENGAGELAB_REST"]);
		expect(JSON.stringify(body)).not.toContain("api_key");
	});
});

describe("FALLBACK_ON_LIMIT", () => {
	it("sends what the api_user's limit refuses by the second route when on, and answers 429 when off", async () => {
		const user = `limited_${crypto.randomUUID().slice(0, 8)}`;
		const primary = await startRelay({ security: "starttls", users: { [user]: "api_key" } });
		const fallback = await startRelay({ security: "starttls" });
		opened.push(primary, fallback);
		const settings = routes(primary.port, fallback.port, { SMTP_USER: user, RATE_LIMIT_PER_MINUTE: "1" });
		const first = await post("/v1/send", message(crypto.randomUUID()), settings);
		expect(((await first.json()) as SentBody).route).toBe("primary");
		expect((await post("/v1/send", message(crypto.randomUUID()), settings)).status).toBe(429);

		const on = { ...settings, FALLBACK_ON_LIMIT: "on" };
		const over = await post("/v1/send", message(crypto.randomUUID()), on);
		expect(over.status).toBe(200);
		expect(((await over.json()) as SentBody).route).toBe("fallback");
		const batch = await post("/v1/batch", { messages: [message("b1"), message("b2")] }, on);
		const { results } = (await batch.json()) as { results: SentBody[] };
		expect(results.map((r) => r.route)).toEqual(["fallback", "fallback"]);
		expect((await primary.messages()).length).toBe(1);
		expect((await fallback.messages()).length).toBe(3);
	});
});
