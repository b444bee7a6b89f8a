/**
 * A small hand-made RFC 5322 message for the SMTP-level suites: the SMTP
 * client takes bytes, so these tests need no composer.
 */
import type { OutgoingMessage } from "../../../src/smtp";

const encoder = new TextEncoder();

/** A plain-text message to `to`, its subject and body carrying `marker` so it can be found again. */
export function textMessage(marker: string, to: string[] = ["amy@example.com"]): OutgoingMessage {
	const bytes = encoder.encode(
		[
			"From: Sender <sender@example.com>",
			`To: ${to.join(", ")}`,
			`Subject: fault test ${marker}`,
			`Message-ID: <${marker}@example.com>`,
			"MIME-Version: 1.0",
			"Content-Type: text/plain; charset=utf-8",
			"",
			`Body of ${marker}.`,
			".a line that starts with a dot",
			"",
		].join("\r\n"),
	);
	return {
		envelope: { from: "sender@example.com", to },
		size: bytes.length,
		body: () =>
			new ReadableStream<Uint8Array>({
				start(controller) {
					controller.enqueue(bytes);
					controller.close();
				},
			}),
	};
}
