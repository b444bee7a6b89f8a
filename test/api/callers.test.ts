/**
 * The two callers besides API keys: Standard Webhooks (signed body, ±5 min,
 * webhook-id as the idempotency key, on the sending routes only) and browser public keys (CORS only for
 * the key's origins, only to its recipients, limited per client IP).
 */
import { describe, expect, it } from "vitest";
import type { Bindings } from "../../src/env";
import { cancelRecord, recordOf } from "../../src/send/records";
import { startRelay } from "../helpers/relay";
import { baseEnv, call, message, type Overrides, problemOf, relayAt } from "./support";

const secretBytes = new TextEncoder().encode("edgesend-test-webhook-secret-32b");
const WEBHOOK_SECRET = `whsec_${btoa(String.fromCharCode(...secretBytes))}`;

async function sign(id: string, timestamp: number, body: string, secret = secretBytes): Promise<string> {
	const key = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
	const mac = await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
	return `v1,${btoa(String.fromCharCode(...new Uint8Array(mac)))}`;
}

const now = () => Math.floor(Date.now() / 1000);

const webhook = (body: string, headers: Record<string, string>, overrides: Overrides) =>
	call("/v1/send", { method: "POST", headers: { "Content-Type": "application/json", ...headers }, body }, overrides);

describe("Standard Webhooks", () => {
	it("a signed call sends; a repeat of the same webhook-id is replayed, not sent again", async () => {
		const relay = await startRelay({ security: "starttls" });
		const overrides = relayAt(relay.port, { WEBHOOK_SECRET });
		const body = JSON.stringify(message("webhook"));
		const id = `msg_${crypto.randomUUID()}`;
		const ts = now();
		const headers = {
			"webhook-id": id,
			"webhook-timestamp": String(ts),
			// Any listed signature may match: a stale one from a rotated secret comes first.
			"webhook-signature": `${await sign(id, ts, body, new Uint8Array(32))} ${await sign(id, ts, body)}`,
		};
		const first = await webhook(body, headers, overrides);
		expect(first.status).toBe(200);
		const second = await webhook(body, headers, overrides);
		expect(second.status).toBe(200);
		expect(second.headers.get("Idempotent-Replayed")).toBe("true");
		expect(await second.json()).toEqual(await first.json());
		expect(await relay.messages()).toHaveLength(1);
		await relay.stop();
	});

	it("refuses a tampered body, a stale or future timestamp, a wrong secret, and webhooks when none is configured", async () => {
		const relay = await startRelay({ security: "starttls" });
		const overrides = relayAt(relay.port, { WEBHOOK_SECRET });
		const body = JSON.stringify(message("webhook"));
		const id = `msg_${crypto.randomUUID()}`;
		const ts = now();
		const good = await sign(id, ts, body);
		const h = (i: string, t: number, sig: string) => ({
			"webhook-id": i,
			"webhook-timestamp": String(t),
			"webhook-signature": sig,
		});
		const cases: [string, Record<string, string>, Overrides, RegExp][] = [
			[body.replace("hello", "HELLO"), h(id, ts, good), overrides, /does not match/],
			[body, h(id, ts - 301, await sign(id, ts - 301, body)), overrides, /stale/],
			// 30 s past the window, not 1: the cases before it may take over a second on a loaded machine.
			[body, h(id, ts + 330, await sign(id, ts + 330, body)), overrides, /stale/],
			[body, h(id, ts, await sign(id, ts, body, new Uint8Array(32))), overrides, /does not match/],
			[body, h(`${id}x`, ts, good), overrides, /does not match/],
			[body, h(id, ts, good), relayAt(relay.port), /not enabled/],
		];
		for (const [text, headers, settings, why] of cases) {
			const response = await webhook(text, headers, settings);
			expect(response.status).toBe(401);
			const p = await problemOf(response);
			expect(p.code).toBe("unauthorized");
			expect(p.detail).toMatch(why);
		}
		expect(await relay.connections()).toHaveLength(0);
		await relay.stop();
	});
});

describe("Standard Webhooks on routes other than sending", () => {
	const signed = async (body: string) => {
		const id = `msg_${crypto.randomUUID()}`;
		const ts = now();
		return { "webhook-id": id, "webhook-timestamp": String(ts), "webhook-signature": await sign(id, ts, body) };
	};

	it("a captured signed call replays on no other route: 403, and the message it scheduled is still scheduled", async () => {
		const relay = await startRelay({ security: "starttls" });
		const overrides = relayAt(relay.port, { WEBHOOK_SECRET });
		const json = { "Content-Type": "application/json" };
		const body = JSON.stringify(message("webhook-later", { sendAt: new Date(Date.now() + 86_400_000).toISOString() }));
		const headers = await signed(body);
		const accepted = await call("/v1/send", { method: "POST", headers: { ...json, ...headers }, body }, overrides);
		expect(accepted.status).toBe(202);
		const { ref } = (await accepted.json()) as { ref: string };
		// The same signed bytes as a cancel; a signed empty body as every read.
		const empty = await signed("");
		const replays: [string, string, RequestInit][] = [
			["DELETE", `/v1/messages/${ref}`, { method: "DELETE", headers: { ...json, ...headers }, body }],
			["GET", `/v1/messages/${ref}`, { headers: empty }],
			["GET", "/v1/messages", { headers: empty }],
			["GET", "/v1/limits", { headers: empty }],
			["GET", "/v1/suppressions", { headers: empty }],
		];
		for (const [method, path, init] of replays) {
			const response = await call(path, init, overrides);
			expect(response.status, `${method} ${path}`).toBe(403);
			const p = await problemOf(response);
			expect(p.code).toBe("forbidden");
			expect(p.detail).toMatch(/only call POST \/v1\/send or POST \/v1\/batch/);
		}
		const env = { ...baseEnv, ...overrides } as Bindings;
		expect((await recordOf(env, ref, "webhook")).status).toBe("scheduled");
		await cancelRecord(env, ref, "webhook", () => {});
		expect(await relay.connections()).toHaveLength(0);
		await relay.stop();
	});
});

describe("public keys", () => {
	const KEY = "pk_contact_form_1";
	const ORIGIN = "https://shop.example";
	const PUBLIC_KEYS = JSON.stringify([
		{ key: KEY, origins: [ORIGIN], to: ["sales@example.com"], from: ["support@example.com"], perIpPerMinute: 1 },
	]);
	const browser = (origin: string, ip: string, body: unknown, path = `/v1/send?key=${KEY}`) =>
		({
			path,
			init: {
				method: "POST",
				headers: { "Content-Type": "application/json", Origin: origin, "CF-Connecting-IP": ip },
				body: JSON.stringify(body),
			},
		}) as const;
	const contact = (tag: string) => message(tag, { to: "sales@example.com", replyTo: "visitor@example.org" });

	it("answers the preflight only for the key's origins", async () => {
		const preflight = (origin: string, key = KEY) =>
			call(
				`/v1/send?key=${key}`,
				{
					method: "OPTIONS",
					headers: {
						Origin: origin,
						"Access-Control-Request-Method": "POST",
						"Access-Control-Request-Headers": "content-type",
					},
				},
				{ PUBLIC_KEYS },
			);
		const ok = await preflight(ORIGIN);
		expect(ok.status).toBe(204);
		expect(ok.headers.get("Access-Control-Allow-Origin")).toBe(ORIGIN);
		expect(ok.headers.get("Access-Control-Allow-Methods")).toBe("POST");
		expect(ok.headers.get("Access-Control-Allow-Headers")).toMatch(/Content-Type/);
		const other = await preflight("https://evil.example");
		expect(other.status).toBe(403);
		expect(other.headers.get("Access-Control-Allow-Origin")).toBeNull();
		expect((await preflight(ORIGIN, "pk_unknown_key")).status).toBe(401);
	});

	it("sends from an allowed origin to an allowed recipient, with CORS headers on the answer", async () => {
		const relay = await startRelay({ security: "starttls" });
		const { path, init } = browser(ORIGIN, "198.51.100.7", contact("public"));
		const response = await call(path, init, relayAt(relay.port, { PUBLIC_KEYS }));
		expect(response.status).toBe(200);
		expect(response.headers.get("Access-Control-Allow-Origin")).toBe(ORIGIN);
		expect(response.headers.get("Access-Control-Expose-Headers")).toMatch(/X-Request-Id/);
		expect((await relay.messages())[0].rcptTo).toEqual(["sales@example.com"]);
		await relay.stop();
	});

	it("refuses other origins, other recipients and other routes with 403", async () => {
		const relay = await startRelay({ security: "starttls" });
		const settings = relayAt(relay.port, { PUBLIC_KEYS });
		const wrongOrigin = browser("https://evil.example", "198.51.100.8", contact("origin"));
		const r1 = await call(wrongOrigin.path, wrongOrigin.init, settings);
		expect(r1.status).toBe(403);
		expect(r1.headers.get("Access-Control-Allow-Origin")).toBeNull();

		const wrongRecipient = browser(ORIGIN, "198.51.100.9", contact("rcpt"));
		const bad = { ...contact("rcpt"), to: ["sales@example.com", "victim@example.net"], bcc: "other@example.net" };
		const r2 = await call(wrongRecipient.path, { ...wrongRecipient.init, body: JSON.stringify(bad) }, settings);
		expect(r2.status).toBe(403);
		const p = await problemOf(r2);
		expect(p.code).toBe("forbidden");
		expect(p.errors?.map((e) => e.path)).toEqual(["to[1]", "bcc"]);
		expect(r2.headers.get("Access-Control-Allow-Origin")).toBe(ORIGIN);

		const batch = browser(ORIGIN, "198.51.100.10", { messages: [contact("batch")] }, `/v1/batch?key=${KEY}`);
		expect((await call(batch.path, batch.init, settings)).status).toBe(403);
		expect(await relay.connections()).toHaveLength(0);
		await relay.stop();
	});

	it("limits each client IP on its own", async () => {
		const relay = await startRelay({ security: "starttls" });
		const settings = relayAt(relay.port, { PUBLIC_KEYS });
		const first = browser(ORIGIN, "203.0.113.1", contact("ip-1"));
		expect((await call(first.path, first.init, settings)).status).toBe(200);
		const again = await call(first.path, first.init, settings);
		expect(again.status).toBe(429);
		expect(again.headers.get("Retry-After")).toBeTruthy();
		expect((await problemOf(again)).code).toBe("rate_limited");
		const other = browser(ORIGIN, "203.0.113.2", contact("ip-2"));
		expect((await call(other.path, other.init, settings)).status).toBe(200);
		expect(await relay.messages()).toHaveLength(2);
		await relay.stop();
	});
});
