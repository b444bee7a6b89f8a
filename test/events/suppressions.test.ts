/**
 * The suppression list: a hard bounce and a complaint each put the recipient
 * on it; a send to a suppressed address never reaches the relay for it (422
 * when no one is left, else it is listed in `rejected`); DELETE lifts it.
 */
import { describe, expect, it } from "vitest";
import { auth, call, message, post, problemOf, relayAt } from "../api/support";
import { startRelay } from "../helpers/relay";
import { postCallback, relayId, responseCallback, statusCallback } from "./support";

const get = (path: string) => call(path, { headers: auth });
const del = (path: string) => call(path, { method: "DELETE", headers: auth });

describe("suppressions", () => {
	it("a hard bounce suppresses; a send to it is refused without a connection; DELETE lifts it", async () => {
		const relay = await startRelay({ security: "starttls" });
		try {
			const to = `bounce-${Date.now()}@example.com`;
			expect((await postCallback(statusCallback(relayId("hb"), "invalid_email", to))).status).toBe(200);
			const listed = await get(`/v1/suppressions/${encodeURIComponent(to)}`);
			expect(listed.status).toBe(200);
			expect(await listed.json()).toMatchObject({ email: to, reason: "hard_bounce" });

			const refused = await post("/v1/send", message("suppressed", { to: [to] }), relayAt(relay.port));
			expect(refused.status).toBe(422);
			const p = await problemOf(refused);
			expect(p.code).toBe("recipient_suppressed");
			expect(p.rejected).toEqual([expect.objectContaining({ address: to, code: "recipient_suppressed" })]);
			expect(await relay.connections()).toEqual([]);

			expect((await del(`/v1/suppressions/${encodeURIComponent(to)}`)).status).toBe(204);
			expect((await get(`/v1/suppressions/${encodeURIComponent(to)}`)).status).toBe(404);
			const sent = await post("/v1/send", message("lifted", { to: [to] }), relayAt(relay.port));
			expect(sent.status).toBe(200);
			expect((await relay.messages()).map((m) => m.rcptTo)).toEqual([[to]]);
		} finally {
			await relay.stop();
		}
	});

	it("a complaint suppresses; the other recipients still go, the suppressed one is in rejected", async () => {
		const relay = await startRelay({ security: "starttls" });
		try {
			const to = `complaint-${Date.now()}@example.com`;
			expect((await postCallback(responseCallback(relayId("spam"), "report_spam", to))).status).toBe(200);
			const response = await post(
				"/v1/send",
				message("mixed", { to: ["ben@example.com"], cc: [to] }),
				relayAt(relay.port),
			);
			expect(response.status).toBe(200);
			const sent = (await response.json()) as { accepted: string[]; rejected: { address: string; code: unknown }[] };
			expect(sent.accepted).toEqual(["ben@example.com"]);
			expect(sent.rejected).toEqual([expect.objectContaining({ address: to, code: "recipient_suppressed" })]);
			const [recorded] = await relay.messages();
			expect(recorded.rcptTo).toEqual(["ben@example.com"]);
		} finally {
			await relay.stop();
		}
	});

	it("a batch refuses a suppressed message alone", async () => {
		const relay = await startRelay({ security: "starttls" });
		try {
			const to = `batch-bounce-${Date.now()}@example.com`;
			await postCallback(statusCallback(relayId("bb"), "invalid_email", to));
			const response = await post(
				"/v1/batch",
				{ messages: [message("b1", { to: [to] }), message("b2")] },
				relayAt(relay.port),
			);
			const { results } = (await response.json()) as { results: { status: number; code?: string }[] };
			expect(results.map((r) => r.status)).toEqual([422, 200]);
			expect(results[0].code).toBe("recipient_suppressed");
			expect((await relay.messages()).length).toBe(1);
		} finally {
			await relay.stop();
		}
	});

	it("soft bounces, deliveries and opens suppress nothing", async () => {
		const to = `soft-${Date.now()}@example.com`;
		const id = relayId("soft");
		for (const body of [
			statusCallback(id, "soft_bounce", to),
			statusCallback(id, "delivered", to),
			responseCallback(id, "open", to),
		]) {
			await postCallback(body);
		}
		expect((await get(`/v1/suppressions/${encodeURIComponent(to)}`)).status).toBe(404);
	});

	it("lists in pages with a cursor, for API-key callers only", async () => {
		const stamp = Date.now();
		const emails = [0, 1, 2].map((i) => `page-${stamp}-${i}@example.com`);
		for (const to of emails) await postCallback(statusCallback(relayId("page"), "invalid_email", to));
		const seen: string[] = [];
		let cursor: string | null = null;
		do {
			const response = await get(`/v1/suppressions${cursor ? `?cursor=${cursor}` : ""}`);
			expect(response.status).toBe(200);
			const page = (await response.json()) as { suppressions: { email: string }[]; nextCursor: string | null };
			seen.push(...page.suppressions.map((s) => s.email));
			cursor = page.nextCursor;
		} while (cursor);
		for (const e of emails) expect(seen).toContain(e);
		expect(seen).toEqual([...seen].sort());
		expect((await call("/v1/suppressions")).status).toBe(401);
	});
});
