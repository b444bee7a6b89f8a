/**
 * Outbound events in Resend's shape, for EVENTS_WEBHOOK_FORMAT=resend: a
 * receiver written for Resend (`resend.webhooks.verify`, then a switch on
 * `type`) works unchanged. The body is `{type: "email.…", created_at, data}`
 * with the email's id (our ref), sender, recipients, subject and tags as a
 * `{name: value}` object; the signature is the same Standard Webhooks HMAC,
 * under Svix's header names (`svix-id`, `svix-timestamp`, `svix-signature`),
 * which Resend's receivers read, beside the `webhook-*` ones.
 * Our events with no Resend counterpart (`message.canceled`,
 * `message.unsubscribed`) and events of no known email are not sent. There
 * is no email.suppressed: a suppressed recipient is refused when the message
 * is sent (`rejected`, or 422 when none is left), not reported later.
 */
import type { EmailFacts } from "./email-facts";
import type { OutboundEvent } from "./standard-webhooks";

export interface ResendEvent {
	type: string;
	created_at: string;
	data: Record<string, unknown>;
}

const TYPES: Record<string, string> = {
	"message.scheduled": "email.scheduled",
	"message.sent": "email.sent",
	"message.delivered": "email.delivered",
	"message.soft_bounced": "email.delivery_delayed",
	"message.bounced": "email.bounced",
	"message.complained": "email.complained",
	"message.opened": "email.opened",
	"message.clicked": "email.clicked",
	"message.failed": "email.failed",
	// The relay may or may not have it: Resend's only state that says "look at this one".
	"message.unknown": "email.failed",
};

/** A failed record's reason: the problem code in its detail (the record's lastError, as JSON), else the words. */
function failureReason(event: OutboundEvent): string {
	if (event.type === "message.unknown") return "delivery_unknown";
	try {
		const code = (JSON.parse(event.data.detail ?? "null") as { code?: unknown } | null)?.code;
		if (typeof code === "string") return code;
	} catch {
		// not JSON: the provider's own words
	}
	return event.data.detail ?? "failed";
}

/** The event-specific object Resend adds for some types. */
function extraOf(event: OutboundEvent, type: string): Record<string, unknown> {
	const words = event.data.detail ?? "";
	switch (type) {
		case "email.bounced":
			return {
				bounce: { type: "Permanent", subType: "General", message: words, diagnosticCode: words ? [words] : [] },
			};
		case "email.failed":
			return { failed: { reason: failureReason(event) } };
		case "email.clicked":
			return { click: { link: words, ipAddress: "", userAgent: "", timestamp: event.timestamp } };
		default:
			return {};
	}
}

/** `event` as Resend would have sent it, or undefined when Resend has no such event or the email is not known. */
export function resendEventOf(event: OutboundEvent, email: EmailFacts | null | undefined): ResendEvent | undefined {
	const type = TYPES[event.type];
	if (!type || !email) return undefined;
	// A provider event names the one recipient it is about; our own events are about all of them.
	const to = event.data.to && !event.data.to.includes(",") ? [event.data.to] : email.to;
	return {
		type,
		created_at: event.timestamp,
		data: {
			email_id: email.ref,
			created_at: new Date(email.createdAt).toISOString(),
			from: email.from,
			to,
			subject: email.subject,
			...(email.messageId ? { message_id: email.messageId } : {}),
			tags: Object.fromEntries(email.tags.map((t) => [t.name, t.value])),
			...extraOf(event, type),
		},
	};
}

/** Standard Webhooks headers plus the same three under Svix's names. */
export function withSvixHeaders(headers: Record<string, string>): Record<string, string> {
	return {
		...headers,
		"svix-id": headers["webhook-id"] ?? "",
		"svix-timestamp": headers["webhook-timestamp"] ?? "",
		"svix-signature": headers["webhook-signature"] ?? "",
	};
}
