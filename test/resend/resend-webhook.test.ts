/**
 * Outbound events in Resend's shape: the body a Resend receiver switches on,
 * signed like ours under Svix's header names, checked here with the resend
 * SDK's own verifier (resend.webhooks.verify) exactly as Resend's docs tell a
 * receiver to call it.
 */
import { Resend, type WebhookEventPayload } from "resend";
import { describe, expect, it } from "vitest";
import type { EmailFacts } from "../../src/events/email-facts";
import { resendEventOf, withSvixHeaders } from "../../src/events/resend-webhook";
import { type OutboundEvent, signEvent } from "../../src/events/standard-webhooks";
import { decodeBase64 } from "../../src/util/bytes";

const SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const email: EmailFacts = {
	ref: "msg_2f7kq4m6x3b5n7p2r4t6v8y3za",
	messageId: "<a1@example.com>",
	from: "Acme <onboarding@example.com>",
	to: ["ben@example.com", "amy@example.com"],
	subject: "hi",
	createdAt: Date.parse("2026-11-18T10:00:00Z"),
	tags: [
		{ name: "category", value: "welcome" },
		{ name: "user_id", value: "42" },
	],
};
const ours = (type: string, to: string | null, detail: string | null = null): OutboundEvent => ({
	type,
	timestamp: "2026-11-18T10:00:05.000Z",
	data: { ref: email.ref, messageId: email.messageId, relayId: "r1", to, detail, tags: email.tags, route: "primary" },
});

describe("Resend-shaped webhooks", () => {
	it("turns our events into Resend's, with the email's facts and tags as an object", () => {
		expect(resendEventOf(ours("message.sent", email.to.join(", ")), email)).toEqual({
			type: "email.sent",
			created_at: "2026-11-18T10:00:05.000Z",
			data: {
				email_id: email.ref,
				created_at: "2026-11-18T10:00:00.000Z",
				from: email.from,
				to: ["ben@example.com", "amy@example.com"],
				subject: "hi",
				message_id: "<a1@example.com>",
				tags: { category: "welcome", user_id: "42" },
			},
		});
		const bounce = resendEventOf(ours("message.bounced", "amy@example.com", "550 no such user"), email);
		expect(bounce).toMatchObject({
			type: "email.bounced",
			data: {
				to: ["amy@example.com"],
				bounce: { type: "Permanent", message: "550 no such user", diagnosticCode: ["550 no such user"] },
			},
		});
		expect(resendEventOf(ours("message.soft_bounced", "amy@example.com"), email)?.type).toBe("email.delivery_delayed");
		expect(resendEventOf(ours("message.failed", null, '{"code":"relay_rejected"}'), email)?.data.failed).toEqual({
			reason: "relay_rejected",
		});
		expect(resendEventOf(ours("message.unknown", null, "{}"), email)?.data.failed).toEqual({
			reason: "delivery_unknown",
		});
	});

	it("sends nothing for events Resend has no name for, or of no known email", () => {
		expect(resendEventOf(ours("message.canceled", null), email)).toBeUndefined();
		expect(resendEventOf(ours("message.unsubscribed", "ben@example.com"), email)).toBeUndefined();
		expect(resendEventOf(ours("message.delivered", "ben@example.com"), null)).toBeUndefined();
	});

	it("is signed so that resend.webhooks.verify accepts it from the svix-* headers, and refuses a changed body", async () => {
		const event = resendEventOf(ours("message.delivered", "ben@example.com"), email);
		const signed = await signEvent(decodeBase64(SECRET.slice(6)) as Uint8Array, "evt_1", event as object, Date.now());
		const headers = withSvixHeaders(signed.headers);
		const resend = new Resend("re_unused");
		const verify = (payload: string) =>
			resend.webhooks.verify({
				payload,
				headers: { id: headers["svix-id"], timestamp: headers["svix-timestamp"], signature: headers["svix-signature"] },
				webhookSecret: SECRET,
			});
		const verified = verify(signed.body) as WebhookEventPayload;
		expect(verified).toEqual(event);
		expect(verified.type).toBe("email.delivered");
		expect(() => verify(signed.body.replace("ben@", "eve@"))).toThrow();
		expect(headers["webhook-id"]).toBe("evt_1");
	});
});
