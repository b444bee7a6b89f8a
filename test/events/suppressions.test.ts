/**
 * The suppression list: a complaint and a permanent hard bounce each put the
 * recipient on it, a soft bounce or a "not now" code never, and never a
 * public key's own recipients (finding 16); GET and DELETE take the address
 * as the path carries it, `%` included, and the request log names the route,
 * not the address (finding 17); the list pages across its 16 objects. A
 * send to a suppressed address never reaches the relay for it (422 when no
 * one is left, else it is listed in `rejected`), until DELETE lifts it.
 */
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { suppressionName } from "../../src/store/relay-index-name";
import { auth, call, message, post, problemOf, relayAt } from "../api/support";
import { startRelay } from "../helpers/relay";
import { postCallback, relayId, responseCallback, statusCallback } from "./support";

const get = (path: string) => call(path, { headers: auth });
const del = (path: string) => call(path, { method: "DELETE", headers: auth });
const entry = (email: string) => get(`/v1/suppressions/${encodeURIComponent(email)}`);
const unique = (tag: string) => `${tag}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;

afterEach(() => vi.restoreAllMocks());

describe("suppressions from provider events", () => {
	it("a hard bounce suppresses; GET shows why; DELETE lifts it", async () => {
		const to = unique("bounce");
		const id = relayId("hb");
		expect((await postCallback(statusCallback(id, "invalid_email", to))).status).toBe(200);
		const listed = await entry(to);
		expect(listed.status).toBe(200);
		const body = (await listed.json()) as Record<string, unknown>;
		expect(body).toEqual({
			email: to,
			reason: "hard_bounce",
			relayId: id,
			detail: "invalid_email by test",
			createdAt: expect.any(String),
		});
		expect(Number.isNaN(Date.parse(String(body.createdAt)))).toBe(false);

		expect((await del(`/v1/suppressions/${encodeURIComponent(to)}`)).status).toBe(204);
		const gone = await entry(to);
		expect(gone.status).toBe(404);
		expect((await problemOf(gone)).code).toBe("suppression_not_found");
		expect((await del(`/v1/suppressions/${encodeURIComponent(to)}`)).status).toBe(404);
	});

	it("a complaint suppresses, under the address lowercased", async () => {
		const to = unique("Complaint");
		expect((await postCallback(responseCallback(relayId("spam"), "report_spam", to))).status).toBe(200);
		expect(await (await entry(to.toLowerCase())).json()).toMatchObject({
			email: to.toLowerCase(),
			reason: "complaint",
		});
		// Looked up as written, too.
		expect((await entry(to)).status).toBe(200);
	});

	it("soft bounces, deliveries and opens suppress nothing", async () => {
		const to = unique("soft");
		const id = relayId("soft");
		for (const body of [
			statusCallback(id, "soft_bounce", to),
			statusCallback(id, "delivered", to),
			responseCallback(id, "open", to),
		]) {
			expect((await postCallback(body)).status).toBe(200);
		}
		expect((await entry(to)).status).toBe(404);
	});

	it("a hard bounce whose detail says 5.x.x or 5xx suppresses; one that says 4.x.x or 4xx does not", async () => {
		const cases = [
			["550 5.1.1 user unknown", true],
			["5.7.1 rejected by policy", true],
			["554 rejected", true],
			["452 4.2.2 mailbox full", false],
			["4.4.1 no answer from host", false],
			["421 try again later", false],
		] as const;
		for (const [message, suppressed] of cases) {
			const to = unique("coded");
			const body = statusCallback(relayId("coded"), "invalid_email", to, { message });
			expect((await postCallback(body)).status).toBe(200);
			expect([message, (await entry(to)).status]).toEqual([message, suppressed ? 200 : 404]);
		}
	});

	it("never suppresses a public key's own recipient, on a bounce or a complaint (finding 16)", async () => {
		const own = unique("operator");
		const other = unique("visitor");
		const settings = {
			PUBLIC_KEYS: JSON.stringify([
				{
					key: "pk_contact_form",
					origins: ["https://shop.example"],
					to: [own.toUpperCase()],
					from: ["shop@example.com"],
					perIpPerMinute: 10,
				},
			]),
		};
		const id = relayId("own");
		for (const body of [
			statusCallback(id, "invalid_email", own, { message: "550 5.7.1 hostile content" }),
			responseCallback(id, "report_spam", own),
			statusCallback(id, "invalid_email", other, { message: "550 5.1.1 user unknown" }),
		]) {
			expect((await postCallback(body, {}, settings)).status).toBe(200);
		}
		expect((await entry(own)).status).toBe(404);
		expect((await entry(other)).status).toBe(200);
	});
});

describe("sends to suppressed addresses", () => {
	it("a send to a hard-bounced address is refused without a connection; once lifted it goes", async () => {
		const relay = await startRelay({ security: "starttls" });
		try {
			const to = unique("refused");
			await postCallback(statusCallback(relayId("hb-send"), "invalid_email", to));
			const refused = await post("/v1/send", message("suppressed", { to: [to] }), relayAt(relay.port));
			expect(refused.status).toBe(422);
			const p = await problemOf(refused);
			expect(p.code).toBe("recipient_suppressed");
			expect(p.rejected).toEqual([expect.objectContaining({ address: to, code: "recipient_suppressed" })]);
			expect(await relay.connections()).toEqual([]);

			expect((await del(`/v1/suppressions/${encodeURIComponent(to)}`)).status).toBe(204);
			const sent = await post("/v1/send", message("lifted", { to: [to] }), relayAt(relay.port));
			expect(sent.status).toBe(200);
			expect((await relay.messages()).map((m) => m.rcptTo)).toEqual([[to]]);
		} finally {
			await relay.stop();
		}
	});

	it("a complained address is dropped from a send; the other recipients still go, it is in rejected", async () => {
		const relay = await startRelay({ security: "starttls" });
		try {
			const to = unique("complaint-send");
			await postCallback(responseCallback(relayId("spam-send"), "report_spam", to));
			const response = await post(
				"/v1/send",
				message("mixed", { to: ["ben@example.com"], cc: [to] }),
				relayAt(relay.port),
			);
			expect(response.status).toBe(200);
			const sent = (await response.json()) as { accepted: string[]; rejected: { address: string }[] };
			expect(sent.accepted).toEqual(["ben@example.com"]);
			expect(sent.rejected).toEqual([expect.objectContaining({ address: to, code: "recipient_suppressed" })]);
			expect((await relay.messages()).map((m) => m.rcptTo)).toEqual([["ben@example.com"]]);
		} finally {
			await relay.stop();
		}
	});

	it("a batch refuses a suppressed message alone", async () => {
		const relay = await startRelay({ security: "starttls" });
		try {
			const to = unique("batch-bounce");
			await postCallback(statusCallback(relayId("bb"), "invalid_email", to));
			const response = await post(
				"/v1/batch",
				{ messages: [message("b1", { to: [to] }), message("b2")] },
				relayAt(relay.port),
			);
			const { results } = (await response.json()) as { results: { status: number; code?: string }[] };
			expect(results.map((r) => r.status)).toEqual([422, 200]);
			expect(results[0]?.code).toBe("recipient_suppressed");
			expect((await relay.messages()).length).toBe(1);
		} finally {
			await relay.stop();
		}
	});
});

describe("the suppression routes", () => {
	it("take an address with % in it as the path carries it, once decoded (finding 17)", async () => {
		const to = `100%-${Date.now()}@example.com`;
		await postCallback(statusCallback(relayId("pct"), "invalid_email", to));
		const found = await entry(to);
		expect(found.status).toBe(200);
		expect(await found.json()).toMatchObject({ email: to });
		// A path that is not valid %-encoding is taken as it is: not on the list, not a 500.
		expect((await get("/v1/suppressions/100%zz@example.com")).status).toBe(404);
		expect((await del(`/v1/suppressions/${encodeURIComponent(to)}`)).status).toBe(204);
		expect((await entry(to)).status).toBe(404);
	});

	it("keep the address out of the request log: the route, not the path (finding 17)", async () => {
		const to = unique("logged");
		await postCallback(statusCallback(relayId("log"), "invalid_email", to));
		const spy = vi.spyOn(console, "log").mockImplementation(() => {});
		await entry(to);
		await del(`/v1/suppressions/${encodeURIComponent(to)}`);
		const lines = spy.mock.calls.map(([text]) => JSON.parse(String(text)) as Record<string, unknown>);
		expect(lines.map((l) => [l.method, l.route, l.status])).toEqual([
			["GET", "/v1/suppressions/:email", 200],
			["DELETE", "/v1/suppressions/:email", 204],
		]);
		expect(JSON.stringify(lines)).not.toContain(to.split("@")[0]);
	});

	it("looks up more addresses in one object than one statement can bind (a batch of 100 with many recipients)", async () => {
		const stamp = Date.now();
		const list = env.SUPPRESSIONS.getByName(`s:lookup-${stamp}:0`);
		const emails = Array.from({ length: 250 }, (_, i) => `many-${stamp}-${i}@example.com`);
		for (const email of emails.filter((_, i) => i % 2 === 0)) await list.add({ email, reason: "complaint" }, stamp);
		const found = await list.among(emails);
		expect(found.map((s) => s.email).sort()).toEqual(emails.filter((_, i) => i % 2 === 0).sort());
	});

	it("list in address order, in pages with a cursor, across the list's objects; for API-key callers only", async () => {
		const stamp = Date.now();
		// More than a page (100), spread over the 16 objects by their hash.
		const emails = Array.from({ length: 120 }, (_, i) => `page-${stamp}-${String(i).padStart(3, "0")}@example.com`);
		await Promise.all(
			emails.map((email) =>
				env.SUPPRESSIONS.getByName(suppressionName("api_user", email)).add({ email, reason: "hard_bounce" }, stamp),
			),
		);
		const seen: string[] = [];
		let cursor: string | null = null;
		let pages = 0;
		do {
			const response = await get(`/v1/suppressions${cursor ? `?cursor=${cursor}` : ""}`);
			expect(response.status).toBe(200);
			const page = (await response.json()) as { suppressions: { email: string }[]; nextCursor: string | null };
			expect(page.suppressions.length).toBeLessThanOrEqual(100);
			seen.push(...page.suppressions.map((s) => s.email));
			cursor = page.nextCursor;
			pages++;
		} while (cursor);
		expect(pages).toBeGreaterThanOrEqual(2);
		expect(seen).toEqual([...new Set(seen)].sort());
		for (const e of emails) expect(seen).toContain(e);
		expect((await call("/v1/suppressions")).status).toBe(401);
		expect((await problemOf(await get("/v1/suppressions?cursor=%%%"))).code).toBe("validation_failed");
	});
});
