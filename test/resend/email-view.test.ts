/** A record as Resend's GET /emails/{id} and GET /emails show it: every status has a last_event, the shape is the SDK's. */
import type { GetEmailResponseSuccess, ListEmail } from "resend";
import { describe, expect, it } from "vitest";
import { emailListItem, emailView, LAST_EVENTS, lastEventOf, type ViewedRecord } from "../../src/api/resend/email-view";
import { MESSAGE_STATUSES } from "../../src/store/types";

const record: ViewedRecord = {
	ref: "msg_2f7kq4m6x3b5n7p2r4t6v8y3za",
	status: "delivered",
	messageId: "<a1@example.com>",
	from: "onboarding@example.com",
	to: ["ben@example.com", "cc@example.com"],
	subject: "hi",
	createdAt: Date.parse("2026-11-18T10:00:00Z"),
	sendAt: null,
	addresses: {
		from: "Acme <onboarding@example.com>",
		to: ["ben@example.com"],
		cc: ["cc@example.com"],
		bcc: [],
		replyTo: [],
	},
	tags: [{ name: "category", value: "welcome" }],
};

describe("Resend's view of a record", () => {
	it("gives every status one of Resend's last_event values", () => {
		for (const status of MESSAGE_STATUSES) expect(LAST_EVENTS, status).toContain(lastEventOf(status));
		expect(lastEventOf("sending")).toBe("queued");
		expect(lastEventOf("soft_bounced")).toBe("delivery_delayed");
		expect(lastEventOf("unknown")).toBe("failed");
		expect(lastEventOf("failed")).toBe("failed");
	});

	it("shows a record as the SDK types an email, and a list item without html, text, tags or object", () => {
		const view: GetEmailResponseSuccess = emailView(record);
		expect(view).toEqual({
			object: "email",
			id: record.ref,
			message_id: "<a1@example.com>",
			to: ["ben@example.com"],
			from: "Acme <onboarding@example.com>",
			created_at: "2026-11-18T10:00:00.000Z",
			subject: "hi",
			bcc: null,
			cc: ["cc@example.com"],
			reply_to: null,
			last_event: "delivered",
			scheduled_at: null,
			html: null,
			text: null,
			tags: [{ name: "category", value: "welcome" }],
		});
		const item: ListEmail = emailListItem({
			...record,
			status: "scheduled",
			sendAt: Date.parse("2026-11-19T09:00:00Z"),
		});
		expect(Object.keys(item)).not.toContain("tags");
		expect(item).toMatchObject({ last_event: "scheduled", scheduled_at: "2026-11-19T09:00:00.000Z" });
		// A record from before the addresses were kept shows its envelope.
		expect(emailListItem({ ...record, addresses: null })).toMatchObject({
			from: "onboarding@example.com",
			to: ["ben@example.com", "cc@example.com"],
			cc: null,
		});
	});
});
