/**
 * Resend's email body → /v1/send's: names mapped (reply_to, path,
 * content_type, content_id → inline), scheduled_at read, nulls taken as
 * absent, what edgesend lacks refused by name; and the send path's own
 * validation of the result, with its error paths back in Resend's names.
 */
import { describe, expect, it } from "vitest";
import { fromResendEmail, resendPath } from "../../src/api/resend/email-body";
import { MessageSchema } from "../../src/send/message-schema";
import { fieldErrors } from "../../src/util/field-path";

const NOW = Date.parse("2026-11-18T10:00:00Z");
const base = { from: "Acme <onboarding@example.com>", to: "ben@example.com", subject: "hi", html: "<p>hi</p>" };

/** The converted body, checked by /v1/send's schema (tags are checked by the door itself in phase 1). */
function converted(input: Record<string, unknown>) {
	const result = fromResendEmail(input, NOW);
	if (!result.ok) throw new Error(`refused: ${JSON.stringify(result)}`);
	const { tags: _, ...rest } = result.body;
	return { result, validation: MessageSchema.safeParse(rest) };
}

describe("Resend body → edgesend body", () => {
	it("maps every field the SDK sends", () => {
		const { result, validation } = converted({
			...base,
			to: ["ben@example.com", "Amy <amy@example.com>"],
			cc: "cc@example.com",
			bcc: ["bcc@example.com"],
			reply_to: "help@example.com",
			text: "hi",
			headers: { "X-Campaign": "nov" },
			attachments: [
				{ content: "aGVsbG8=", filename: "a.txt", content_type: "text/plain" },
				{ content: "iVBORw0KGgo=", filename: "logo.png", content_id: "logo" },
				{ path: "https://files.example.com/docs/receipt%202026.pdf" },
			],
			tags: [{ name: "category", value: "welcome" }],
			scheduled_at: "in 1 hour",
			labelId: 42,
			topic_id: null,
		});
		expect(result).toEqual({
			ok: true,
			sendAt: Date.parse("2026-11-18T11:00:00Z"),
			body: {
				from: "Acme <onboarding@example.com>",
				to: ["ben@example.com", "Amy <amy@example.com>"],
				cc: "cc@example.com",
				bcc: ["bcc@example.com"],
				replyTo: "help@example.com",
				subject: "hi",
				html: "<p>hi</p>",
				text: "hi",
				headers: { "X-Campaign": "nov" },
				attachments: [
					{ filename: "a.txt", content: "aGVsbG8=", type: "text/plain" },
					{ filename: "logo.png", content: "iVBORw0KGgo=", contentId: "logo", disposition: "inline" },
					{ filename: "receipt 2026.pdf", url: "https://files.example.com/docs/receipt%202026.pdf" },
				],
				tags: [{ name: "category", value: "welcome" }],
				labelId: 42,
				sendAt: "2026-11-18T11:00:00.000Z",
			},
		});
		expect(validation.success, JSON.stringify(validation.error?.issues)).toBe(true);
	});

	it('takes text "" beside html as "no text part", as Resend does', () => {
		expect(converted({ ...base, text: "" }).result).toEqual({ ok: true, body: base });
	});

	it("names a required field that is absent (Resend's missing_required_field), a filename included", () => {
		expect(fromResendEmail({ to: "a@example.com", html: "x" }, NOW)).toEqual({
			ok: false,
			name: "missing_required_field",
			errors: [
				{ path: "from", message: "is required" },
				{ path: "subject", message: "is required" },
			],
		});
		expect(fromResendEmail({ ...base, attachments: [{ content: "aGk=" }] }, NOW)).toEqual({
			ok: false,
			name: "missing_required_field",
			errors: [{ path: "attachments[0].filename", message: "is required" }],
		});
	});

	it("refuses an attachment with neither content nor path (invalid_attachment)", () => {
		expect(fromResendEmail({ ...base, attachments: [{ filename: "a.txt" }] }, NOW)).toMatchObject({
			ok: false,
			name: "invalid_attachment",
			errors: [{ path: "attachments[0]", message: "must have a content or a path" }],
		});
	});

	it("refuses templates and topics by name, and unknown fields", () => {
		expect(fromResendEmail({ ...base, template: { id: "t" }, topic_id: "x" }, NOW)).toMatchObject({
			ok: false,
			name: "validation_error",
			errors: [
				{ path: "template", message: expect.stringContaining("no templates") },
				{ path: "topic_id", message: expect.stringContaining("no topics") },
			],
		});
		expect(fromResendEmail({ ...base, region: "eu-west-1" }, NOW)).toEqual({
			ok: false,
			name: "validation_error",
			errors: [{ path: "region", message: "is not a known field" }],
		});
		expect(fromResendEmail([base], NOW)).toMatchObject({ ok: false, errors: [{ path: "" }] });
	});

	it("refuses a scheduled_at it cannot read, and tags against Resend's rules, in Resend's names", () => {
		expect(fromResendEmail({ ...base, scheduled_at: "someday" }, NOW)).toMatchObject({
			ok: false,
			errors: [{ path: "scheduled_at" }],
		});
		expect(fromResendEmail({ ...base, tags: [{ name: "a b", value: "c" }] }, NOW)).toMatchObject({
			ok: false,
			errors: [{ path: "tags[0].name" }],
		});
	});

	it("gives /v1/send's field errors back in the caller's names", () => {
		const { validation } = converted({
			...base,
			reply_to: ["not an address"],
			attachments: [{ path: "http://insecure.example.com/a.pdf", content_type: "not a type", content_id: "a b" }],
		});
		expect(validation.success).toBe(false);
		const paths = fieldErrors(validation.error?.issues ?? []).map((e) => resendPath(e.path));
		expect(paths.sort()).toEqual(
			["reply_to[0]", "attachments[0].path", "attachments[0].content_type", "attachments[0].content_id"].sort(),
		);
	});
});
