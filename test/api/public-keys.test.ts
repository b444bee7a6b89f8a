/**
 * Public keys against an attacker who copied the key and calls with curl and
 * any Origin: no relay-control headers (nor any headers), no url attachments,
 * no Idempotency-Key, limits asked before the body is read, IPv6 limited per
 * /64 and the key as a whole per minute, only the key's senders and label,
 * and problems that tell nothing about the relay.
 */
import { describe, expect, it } from "vitest";
import { startRelay } from "../helpers/relay";
import { call, message, post, problemOf, relayAt, serveFiles } from "./support";

const KEY = "pk_hardened_form";
const ORIGIN = "https://shop.example";
const keyWith = (extra: Record<string, unknown> = {}) =>
	JSON.stringify([
		{
			key: KEY,
			origins: [ORIGIN],
			to: ["sales@example.com"],
			from: ["Shop <shop@example.com>", "orders@example.com"],
			perIpPerMinute: 100,
			...extra,
		},
	]);
const contact = (tag: string, extra: Record<string, unknown> = {}) =>
	message(tag, { from: "shop@example.com", to: "sales@example.com", ...extra });

function browser(body: unknown, ip: string, headers: Record<string, string> = {}) {
	return {
		method: "POST",
		headers: { "Content-Type": "application/json", Origin: ORIGIN, "CF-Connecting-IP": ip, ...headers },
		body: typeof body === "string" ? body : JSON.stringify(body),
	};
}
const ip = () => `198.18.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

describe("relay-control headers", () => {
	it("refuses X-SMTPAPI in headers for an API key, in any case, naming the field; nothing reaches the relay", async () => {
		const relay = await startRelay({ security: "starttls" });
		for (const name of ["X-SMTPAPI", "x-smtpapi"]) {
			const smtpapi = btoa(JSON.stringify({ to: ["victim@example.net"] }));
			const response = await post(
				"/v1/send",
				message("smtpapi", { headers: { [name]: smtpapi } }),
				relayAt(relay.port),
			);
			expect(response.status).toBe(400);
			const p = await problemOf(response);
			expect(p.errors?.map((e) => e.path)).toEqual([`headers["${name}"]`]);
			expect(p.errors?.[0].message).toMatch(/relay/);
		}
		expect(await relay.connections()).toHaveLength(0);
		await relay.stop();
	});

	it("gives public keys no headers at all (403 naming headers)", async () => {
		const relay = await startRelay({ security: "starttls" });
		const response = await call(
			`/v1/send?key=${KEY}`,
			browser(contact("hdr", { headers: { "X-Campaign": "x" } }), ip()),
			relayAt(relay.port, { PUBLIC_KEYS: keyWith() }),
		);
		expect(response.status).toBe(403);
		expect((await problemOf(response)).errors?.map((e) => e.path)).toEqual(["headers"]);
		expect(await relay.connections()).toHaveLength(0);
		await relay.stop();
	});
});

describe("public keys: work before the limit", () => {
	it("asks the per-IP limit before reading the body: a second call from the IP is 429 even with a broken body", async () => {
		const settings = { PUBLIC_KEYS: keyWith({ perIpPerMinute: 1 }) };
		const from = ip();
		expect((await call(`/v1/send?key=${KEY}`, browser("{not json", from), settings)).status).toBe(400);
		const again = await call(`/v1/send?key=${KEY}`, browser("{not json", from), settings);
		expect(again.status).toBe(429);
		expect((await problemOf(again)).code).toBe("rate_limited");
	});

	it("limits the key as a whole per minute (perMinute), whatever the IP", async () => {
		const relay = await startRelay({ security: "starttls" });
		const settings = relayAt(relay.port, { PUBLIC_KEYS: keyWith({ key: "pk_whole_key_limit", perMinute: 2 }) });
		const statuses: number[] = [];
		for (let i = 0; i < 3; i++) {
			statuses.push((await call("/v1/send?key=pk_whole_key_limit", browser(contact(`k${i}`), ip()), settings)).status);
		}
		expect(statuses).toEqual([200, 200, 429]);
		expect(await relay.messages()).toHaveLength(2);
		await relay.stop();
	});

	it("refuses url attachments (nothing is fetched) and Idempotency-Key", async () => {
		const files = await serveFiles({ "/a.txt": { base64: btoa("hi"), type: "text/plain" } });
		const settings = { PUBLIC_KEYS: keyWith() };
		const withUrl = contact("url", { attachments: [{ filename: "a.txt", url: files.url("/a.txt") }] });
		const r1 = await call(`/v1/send?key=${KEY}`, browser(withUrl, ip()), settings);
		expect(r1.status).toBe(403);
		expect((await problemOf(r1)).errors?.map((e) => e.path)).toEqual(["attachments[0].url"]);
		expect(await files.requests()).toEqual([]);
		await files.stop();

		const r2 = await call(
			`/v1/send?key=${KEY}`,
			browser(contact("idem"), ip(), { "Idempotency-Key": "k-1" }),
			settings,
		);
		expect(r2.status).toBe(403);
		expect((await problemOf(r2)).errors?.map((e) => e.path)).toEqual(["Idempotency-Key"]);
	});

	it("counts IPv6 clients by /64: another address in the same /64 shares the limit", async () => {
		const relay = await startRelay({ security: "starttls" });
		const settings = relayAt(relay.port, { PUBLIC_KEYS: keyWith({ key: "pk_ipv6_limit", perIpPerMinute: 1 }) });
		const send = (address: string) =>
			call("/v1/send?key=pk_ipv6_limit", browser(contact("v6"), address), settings).then((r) => r.status);
		expect(await send("2001:db8:1:2::1")).toBe(200);
		expect(await send("2001:0db8:0001:0002:ffff:1:2:3")).toBe(429);
		expect(await send("2001:db8:1:3::1")).toBe(200);
		await relay.stop();
	});
});

describe("public keys: sender and label", () => {
	it("sends only from the key's senders; without from, the first is used", async () => {
		const relay = await startRelay({ security: "starttls" });
		const settings = relayAt(relay.port, { PUBLIC_KEYS: keyWith() });
		const other = await call(
			`/v1/send?key=${KEY}`,
			browser(contact("from", { from: "ceo@example.com" }), ip()),
			settings,
		);
		expect(other.status).toBe(403);
		expect((await problemOf(other)).errors?.map((e) => e.path)).toEqual(["from"]);
		expect(await relay.connections()).toHaveLength(0);

		const second = contact("from2", { from: { email: "Orders@Example.com", name: "Orders" } });
		expect((await call(`/v1/send?key=${KEY}`, browser(second, ip()), settings)).status).toBe(200);
		const { from: _, ...omitted } = contact("from3");
		expect((await call(`/v1/send?key=${KEY}`, browser(omitted, ip()), settings)).status).toBe(200);
		const sent = await relay.messages();
		expect(sent.map((m) => m.mailFrom)).toEqual(["Orders@example.com", "shop@example.com"]);
		await relay.stop();
	});

	it("uses the key's fixed label and refuses any other", async () => {
		const relay = await startRelay({ security: "starttls" });
		const labelled = relayAt(relay.port, { PUBLIC_KEYS: keyWith({ labelId: "7" }) });
		const wrong = await call(`/v1/send?key=${KEY}`, browser(contact("label", { labelId: 8 }), ip()), labelled);
		expect(wrong.status).toBe(403);
		expect((await problemOf(wrong)).errors?.map((e) => e.path)).toEqual(["labelId"]);
		expect((await call(`/v1/send?key=${KEY}`, browser(contact("label"), ip()), labelled)).status).toBe(200);
		expect((await relay.connections()).map((c) => c.authUser)).toEqual(["api_user#7"]);

		const unlabelled = relayAt(relay.port, { PUBLIC_KEYS: keyWith() });
		const any = await call(`/v1/send?key=${KEY}`, browser(contact("label", { labelId: 9 }), ip()), unlabelled);
		expect(any.status).toBe(403);
		await relay.stop();
	});
});

describe("what a public caller is told", () => {
	it("no relay reply and no endpoint for a public caller; an API key still gets them", async () => {
		const relay = await startRelay({ security: "starttls", rejectRecipient: "^sales@" });
		const settings = relayAt(relay.port, { PUBLIC_KEYS: keyWith() });
		const pub = await call(`/v1/send?key=${KEY}`, browser(contact("told"), ip()), settings);
		expect(pub.status).toBe(502);
		const text = await pub.clone().text();
		const p = await problemOf(pub);
		expect(p.code).toBe("relay_rejected");
		expect(p.smtp).toBeUndefined();
		expect(p.rejected).toBeUndefined();
		expect(text).not.toMatch(/550|5\.1\.1|localhost|127\.0\.0\.1|rcpt/i);
		expect(pub.headers.get("Access-Control-Allow-Origin")).toBe(ORIGIN);

		const server = await post("/v1/send", contact("told"), settings);
		expect(server.status).toBe(502);
		const full = await problemOf(server);
		expect(full.smtp?.code).toBe(550);
		await relay.stop();
	});
});
