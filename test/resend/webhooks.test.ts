/**
 * Outbound events with EVENTS_WEBHOOK_FORMAT=resend, end to end: a send
 * through the resend SDK and the provider's callback for it reach a receiver
 * as Resend's email.sent and email.delivered, which the SDK's own verifier
 * (resend.webhooks.verify, from the svix-* headers) accepts; our own format
 * carries the tags too. Jobs are the ones the app queued (a tap on
 * SEND_QUEUE), run through the real consumer.
 */
import { Resend, type WebhookEventPayload } from "resend";
import { describe, expect, it } from "vitest";
import { relayAt } from "../api/support";
import {
	eventSettings,
	type Posted,
	postCallback,
	runWebhookJobs,
	SECRET,
	settingsFor,
	shardOfRef,
	startReceiver,
	statusCallback,
} from "../events/support";
import { startRelay } from "../helpers/relay";
import { resendClient, routeResendSdk } from "./support";

routeResendSdk();

const tags = [
	{ name: "category", value: "welcome" },
	{ name: "user_id", value: "42" },
];
const email = { from: "Acme <onboarding@example.com>", to: "ben@example.com", subject: "Welcome", text: "hi", tags };

describe("webhooks in Resend's shape", () => {
	it("sends email.sent and email.delivered that resend.webhooks.verify accepts, with the email's facts and tags", async () => {
		const receiver = await startReceiver();
		const relay = await startRelay({ security: "starttls" });
		try {
			const { tap, settings } = settingsFor(receiver.url, {
				...relayAt(relay.port),
				...eventSettings,
				EVENTS_WEBHOOK_FORMAT: "resend",
			});
			const resend = resendClient(settings);
			const sent = await resend.emails.send(email);
			expect(sent.error).toBeNull();
			await runWebhookJobs(tap, settings);
			const [recorded] = await relay.messages();
			expect(
				(await postCallback(statusCallback(recorded.queueId, "delivered", "ben@example.com"), {}, settings)).status,
			).toBe(200);
			await runWebhookJobs(tap, settings);

			const verifier = new Resend("re_unused");
			const posted = (await receiver.requests()).map(
				(r) =>
					verifier.webhooks.verify({
						payload: r.body,
						headers: {
							id: r.headers["svix-id"],
							timestamp: r.headers["svix-timestamp"],
							signature: r.headers["svix-signature"],
						},
						webhookSecret: SECRET,
					}) as WebhookEventPayload,
			);
			expect(posted.map((p) => p.type)).toEqual(["email.sent", "email.delivered"]);
			for (const p of posted) {
				expect(p.data).toMatchObject({
					email_id: sent.data?.id,
					from: "Acme <onboarding@example.com>",
					to: ["ben@example.com"],
					subject: "Welcome",
					tags: { category: "welcome", user_id: "42" },
				});
			}
		} finally {
			await receiver.stop();
			await relay.stop();
		}
	});

	it("sends email.scheduled for a scheduled email, and nothing for its cancel (Resend has no such event)", async () => {
		const receiver = await startReceiver();
		try {
			const { tap, settings } = settingsFor(receiver.url, { EVENTS_WEBHOOK_FORMAT: "resend" });
			const resend = resendClient(settings);
			const later = await resend.emails.send({ ...email, scheduledAt: "in 1 hour" });
			const id = later.data?.id ?? "";
			expect((await resend.emails.cancel(id)).error).toBeNull();
			const object = shardOfRef(id).name;
			expect(await runWebhookJobs(tap, settings)).toEqual([
				{ kind: "webhook", object, id: `evt_${id}_scheduled` },
				{ kind: "webhook", object, id: `evt_${id}_canceled` },
			]);
			const posted = (await receiver.requests()).map((r) => JSON.parse(r.body) as WebhookEventPayload);
			expect(posted).toMatchObject([
				{ type: "email.scheduled", data: { email_id: id, tags: { category: "welcome" } } },
			]);
		} finally {
			await receiver.stop();
		}
	});

	it("carries the tags in our own format too", async () => {
		const receiver = await startReceiver();
		const relay = await startRelay({ security: "starttls" });
		try {
			const { tap, settings } = settingsFor(receiver.url, relayAt(relay.port));
			expect((await resendClient(settings).emails.send(email)).error).toBeNull();
			await runWebhookJobs(tap, settings);
			const [request] = await receiver.requests();
			const body = JSON.parse(request.body) as Posted & { data: { tags: unknown } };
			expect(body.type).toBe("message.sent");
			expect(body.data.tags).toEqual(tags);
			expect(request.headers["svix-id"]).toBeUndefined();
		} finally {
			await receiver.stop();
			await relay.stop();
		}
	});
});
