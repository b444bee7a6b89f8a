/**
 * Idempotency that never sends twice: answers of any size are kept, a key
 * whose delivery began and whose lease ran out is delivery_unknown (not new),
 * a signed webhook is always keyed on its webhook-id, and an attachment fetch
 * that may work next time is not kept while a final one is.
 */
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { keyId } from "../../src/api/auth/bearer";
import { type IdempotencyStore, LEASE_MS } from "../../src/limit";
import { hex } from "../../src/util/bytes";
import { startRelay } from "../helpers/relay";
import { attachClock, fakeClock } from "../limit/support.ts";
import { API_KEY, baseEnv, call, message, post, problemOf, relayAt, serveFiles } from "./support";

const key = () => `order-${crypto.randomUUID()}`;

describe("idempotency: never twice", () => {
	it("replays a batch answer over 512 KiB instead of sending the batch again", async () => {
		const relay = await startRelay({ security: "starttls" });
		const to = (m: number) => Array.from({ length: 100 }, (_, r) => `${"r".repeat(48)}-${m}-${r}@example.com`);
		const messages = Array.from({ length: 100 }, (_, m) => message(`big-${m}`, { to: to(m) }));
		const headers = { "Idempotency-Key": key() };
		const first = await post("/v1/batch", { messages }, relayAt(relay.port), headers);
		expect(first.status).toBe(200);
		const body = await first.text();
		expect(body.length).toBeGreaterThan(512 * 1024);
		const again = await post("/v1/batch", { messages }, relayAt(relay.port), headers);
		expect(again.headers.get("Idempotent-Replayed")).toBe("true");
		expect(await again.text()).toBe(body);
		expect(await relay.messages()).toHaveLength(100);
		await relay.stop();
	}, 120_000);

	it("answers delivery_unknown, sending nothing, when delivery began and the lease ran out", async () => {
		const relay = await startRelay({ security: "starttls" });
		const idem = key();
		const text = JSON.stringify(message("lease"));
		const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`POST /v1/send\n${text}`));
		const print = hex(new Uint8Array(digest));
		const stub = baseEnv.IDEMPOTENCY.getByName(`key:${await keyId(API_KEY)}:${idem}`);
		const clock = fakeClock(Date.now());
		await attachClock(stub, clock);
		// A first attempt that began delivering, then its worker died (no renewal, no answer).
		await runInDurableObject(stub, async (store: IdempotencyStore) => {
			expect(await store.begin(print)).toEqual({ state: "new", since: expect.any(Number) });
			await store.markSending(print);
		});
		clock.advance(LEASE_MS);
		const headers = { "Idempotency-Key": idem };
		const response = await call(
			"/v1/send",
			{ method: "POST", headers: { Authorization: `Bearer ${API_KEY}`, ...headers }, body: text },
			relayAt(relay.port),
		);
		expect(response.status).toBe(502);
		expect((await problemOf(response)).code).toBe("delivery_unknown");
		expect(await relay.connections()).toHaveLength(0);
		await relay.stop();
	});

	it("keys a signed webhook on its webhook-id: an added Idempotency-Key does not make a replay new", async () => {
		const relay = await startRelay({ security: "starttls" });
		const secret = new TextEncoder().encode("edgesend-test-webhook-secret-32b");
		const settings = relayAt(relay.port, { WEBHOOK_SECRET: `whsec_${btoa(String.fromCharCode(...secret))}` });
		const body = JSON.stringify(message("webhook-replay"));
		const id = `msg_${crypto.randomUUID()}`;
		const ts = String(Math.floor(Date.now() / 1000));
		const hmac = await crypto.subtle.importKey("raw", secret, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
		const mac = await crypto.subtle.sign("HMAC", hmac, new TextEncoder().encode(`${id}.${ts}.${body}`));
		const signed = {
			"Content-Type": "application/json",
			"webhook-id": id,
			"webhook-timestamp": ts,
			"webhook-signature": `v1,${btoa(String.fromCharCode(...new Uint8Array(mac)))}`,
		};
		const statuses: (string | null)[] = [];
		for (const extra of [{}, { "Idempotency-Key": "1" }, { "Idempotency-Key": "2" }] as Record<string, string>[]) {
			const response = await call("/v1/send", { method: "POST", headers: { ...signed, ...extra }, body }, settings);
			expect(response.status).toBe(200);
			statuses.push(response.headers.get("Idempotent-Replayed"));
		}
		expect(statuses).toEqual([null, "true", "true"]);
		expect(await relay.messages()).toHaveLength(1);
		await relay.stop();
	});

	it("does not keep an attachment fetch that failed for now (5xx); keeps a final one (404)", async () => {
		const relay = await startRelay({ security: "starttls" });
		const files = await serveFiles({ "/busy.pdf": { base64: btoa("busy"), status: 503 } });
		const send = (path: string, idem: string) =>
			post(
				"/v1/send",
				message("fetch", { attachments: [{ filename: "a.pdf", url: files.url(path) }] }),
				relayAt(relay.port),
				{ "Idempotency-Key": idem },
			);
		const busy = key();
		const first = await send("/busy.pdf", busy);
		expect(first.status).toBe(503);
		expect((await problemOf(first)).code).toBe("attachment_unavailable");
		expect(first.headers.get("Retry-After")).toBeTruthy();
		const retry = await send("/busy.pdf", busy);
		expect(retry.headers.get("Idempotent-Replayed")).toBeNull();
		expect(await files.requests()).toEqual(["/busy.pdf", "/busy.pdf"]);

		const gone = key();
		expect((await send("/gone.pdf", gone)).status).toBe(422);
		const again = await send("/gone.pdf", gone);
		expect(again.status).toBe(422);
		expect(again.headers.get("Idempotent-Replayed")).toBe("true");
		expect((await files.requests()).filter((p) => p === "/gone.pdf")).toHaveLength(1);
		await files.stop();
		await relay.stop();
	});
});
