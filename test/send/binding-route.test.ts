/**
 * The FALLBACK_EMAIL route against Miniflare's send_email simulation: one
 * EmailMessage per envelope recipient, and the bytes it took compared with
 * what an SMTP relay receives for the same composed message (all but the
 * Message-ID line, which the Email Service writes itself).
 */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { composeMessage } from "../../src/mime";
import { BINDING_MAX_BYTES, BindingError, sendThroughBinding } from "../../src/send/binding-route";
import { sendMail } from "../../src/smtp";
import { control, messageBytes, sharedRelays } from "../helpers/relay";

const decoder = new TextDecoder();

/** The bytes Miniflare stored for the sent message `messageId`. */
async function stored(messageId: string): Promise<Uint8Array> {
	const { base64 } = (await control(`/sent-email/${encodeURIComponent(messageId.replace(/^<|>$/g, ""))}`)) as {
		base64: string;
	};
	return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

const withoutMessageId = (bytes: Uint8Array) =>
	decoder
		.decode(bytes)
		.split("\r\n")
		.filter((line) => !/^message-id:/i.test(line));

describe("the send_email binding route", () => {
	it("sends the composed bytes once per recipient, the same bytes the SMTP relay gets", async () => {
		const tag = crypto.randomUUID();
		const composed = composeMessage({
			from: { email: "support@example.com", name: "Support" },
			to: [{ email: "ben@example.com" }, { email: "amy@example.com" }],
			bcc: [{ email: "audit@example.com" }],
			subject: `binding ${tag}`,
			text: "plain part",
			html: '<p>html part <img src="data:image/png;base64,iVBORw0KGgo="></p>',
			attachments: [{ filename: "note.txt", content: new TextEncoder().encode("attached") }],
		});
		const delivery = await sendThroughBinding(env.TEST_SEND_EMAIL, composed);
		expect(delivery.accepted).toEqual(["ben@example.com", "amy@example.com", "audit@example.com"]);
		expect(delivery.rejected).toEqual([]);
		expect(delivery.messageIds).toHaveLength(3);
		expect(delivery.id).toBe(delivery.messageIds[0].replace(/^<|>$/g, ""));

		const relay = sharedRelays.starttls();
		await sendMail(
			{
				host: "localhost",
				port: relay.port,
				security: "starttls",
				user: "api_user",
				pass: "api_key",
				ehloName: "edgesend.test",
			},
			composed,
		);
		const atRelay = (await relay.messages()).find((m) => m.data.includes(tag));
		if (!atRelay) throw new Error("the SMTP relay did not get the message");
		for (const messageId of delivery.messageIds) {
			const bytes = await stored(messageId);
			expect(withoutMessageId(bytes)).toEqual(withoutMessageId(messageBytes(atRelay)));
			expect(decoder.decode(bytes)).toContain(`Message-ID: ${messageId}`);
			// Bcc is in the envelope only.
			expect(decoder.decode(bytes)).not.toContain("audit@example.com");
		}
	});

	it("refuses a message over the Email Service's size before sending", async () => {
		const big = {
			envelope: { from: "a@example.com", to: ["b@example.com"] },
			size: BINDING_MAX_BYTES + 1,
			body: () => new ReadableStream(),
		};
		await expect(sendThroughBinding(env.TEST_SEND_EMAIL, big)).rejects.toMatchObject({ kind: "too_large" });
	});

	it("reports what the binding refused, recipient by recipient", async () => {
		// The From header names another address than the envelope: the binding says no.
		const raw = new TextEncoder().encode(
			"From: other@example.com\r\nTo: b@example.com\r\nSubject: x\r\nMessage-ID: <x@example.com>\r\n\r\nhi\r\n",
		);
		const message = {
			envelope: { from: "a@example.com", to: ["b@example.com", "c@example.com"] },
			size: raw.length,
			body: () =>
				new ReadableStream<Uint8Array>({
					start(controller) {
						controller.enqueue(raw);
						controller.close();
					},
				}),
		};
		const error = await sendThroughBinding(env.TEST_SEND_EMAIL, message).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(BindingError);
		expect(error).toMatchObject({ kind: "rejected" });
		expect((error as BindingError).rejected.map((r) => r.address)).toEqual(["b@example.com", "c@example.com"]);
	});
});
