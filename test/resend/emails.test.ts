/**
 * Resend's routes over sent emails through the resend SDK: the list, newest
 * first, paged with after and before; a scheduled email read, moved (PATCH)
 * and canceled; `scheduled_at` in English.
 */
import { describe, expect, it } from "vitest";
import { relayAt } from "../api/support";
import { startRelay } from "../helpers/relay";
import { resendClient, routeResendSdk } from "./support";

routeResendSdk();

describe("GET /emails, PATCH /emails/{id}, POST /emails/{id}/cancel through the resend SDK", () => {
	it("lists newest first, pages with after and before, and filters by tag", async () => {
		const relay = await startRelay({ security: "starttls" });
		const resend = resendClient(relayAt(relay.port));
		const run = `run${Date.now()}`;
		const ids: string[] = [];
		for (const n of [1, 2, 3]) {
			const { data } = await resend.emails.send({
				from: "a@example.com",
				to: `n${n}@example.com`,
				subject: `#${n}`,
				text: "x",
				tags: [{ name: "run", value: run }],
			});
			ids.push(data?.id ?? "");
		}
		const newest = [...ids].reverse();
		const list = (query: string) => resend.get<{ has_more: boolean; data: { id: string }[] }>(`/emails?${query}`);
		const first = await list(`limit=2&tag=run:${run}`);
		expect(first.data?.data.map((e) => e.id)).toEqual(newest.slice(0, 2));
		expect(first.data?.has_more).toBe(true);
		const next = await resend.emails.list({ limit: 2, after: newest[1] });
		expect(next.data?.data.map((e) => e.id)).toEqual(expect.arrayContaining([newest[2]]));
		const tagged = await list(`limit=2&tag=run:${run}&after=${newest[1]}`);
		expect(tagged.data).toMatchObject({ has_more: false, data: [{ id: newest[2] }] });
		const back = await list(`limit=2&tag=run:${run}&before=${newest[2]}`);
		expect(back.data?.data.map((e) => e.id)).toEqual(newest.slice(0, 2));
		expect(back.data?.has_more).toBe(false);
		expect(next.data?.data[0]).not.toHaveProperty("tags");

		const both = await resend.get(`/emails?after=${newest[0]}&before=${newest[2]}`);
		expect(both.error).toMatchObject({ name: "validation_error", message: expect.stringContaining("before") });
		const stranger = await resend.emails.list({ after: "msg_aaaaaaaaaaaaaaaaaaaaaaaaaa" });
		expect(stranger.error).toMatchObject({ name: "validation_error", message: expect.stringContaining("after") });
		await relay.stop();
	});

	it("schedules in English, moves the time with update, and cancels", async () => {
		const resend = resendClient();
		const sent = await resend.emails.send({
			from: "a@example.com",
			to: "later@example.com",
			subject: "later",
			text: "x",
			scheduledAt: "in 1 hour",
		});
		expect(sent.error).toBeNull();
		const id = sent.data?.id ?? "";
		const scheduled = await resend.emails.get(id);
		expect(scheduled.data?.last_event).toBe("scheduled");
		const at = Date.parse(scheduled.data?.scheduled_at ?? "");
		expect(Math.abs(at - (Date.now() + 3_600_000))).toBeLessThan(60_000);

		const moved = await resend.emails.update({ id, scheduledAt: "in 2 days" });
		expect(moved).toMatchObject({ data: { object: "email", id }, error: null });
		const later = Date.parse((await resend.emails.get(id)).data?.scheduled_at ?? "");
		expect(Math.abs(later - (Date.now() + 2 * 86_400_000))).toBeLessThan(60_000);
		const bad = await resend.emails.update({ id, scheduledAt: "in 40 days" });
		expect(bad.error).toMatchObject({ name: "validation_error", message: expect.stringContaining("30 days") });

		expect((await resend.emails.cancel(id)).data).toEqual({ object: "email", id });
		expect((await resend.emails.get(id)).data?.last_event).toBe("canceled");
		const again = await resend.emails.cancel(id);
		expect(again.error).toMatchObject({ name: "validation_error", statusCode: 422 });
		const late = await resend.emails.update({ id, scheduledAt: "in 1 hour" });
		expect(late.error).toMatchObject({ name: "validation_error", statusCode: 422 });
	});
});
