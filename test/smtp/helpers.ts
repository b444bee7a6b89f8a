/** Shared bits of the SMTP client's suites. */
import type { OutgoingMessage, SmtpConfig } from "../../src/smtp";
import type { RecordedConnection } from "../helpers/relay";

const encoder = new TextEncoder();

export const config = (port: number, overrides: Partial<SmtpConfig> = {}): SmtpConfig => ({
	host: "localhost",
	port,
	security: "starttls",
	user: "api_user",
	pass: "api_key",
	ehloName: "edgesend.test",
	replyTimeoutMs: 5000,
	...overrides,
});

/** A message whose body is yielded in the given chunks (strings are UTF-8 encoded). */
export function message(
	chunks: string | (string | Uint8Array)[],
	to: string[] = ["ben@example.com"],
	extra: Partial<OutgoingMessage> = {},
): OutgoingMessage {
	const parts = (typeof chunks === "string" ? [chunks] : chunks).map((c) =>
		typeof c === "string" ? encoder.encode(c) : c,
	);
	return {
		envelope: { from: "support@example.com", to },
		size: parts.reduce((n, p) => n + p.length, 0),
		body: () =>
			new ReadableStream<Uint8Array>({
				start(controller) {
					for (const p of parts) controller.enqueue(p);
					controller.close();
				},
			}),
		...extra,
	};
}

/** The client's flights (round trips) on a recorded connection, as text. */
export function flights(conn: RecordedConnection): string[] {
	const out: string[] = [];
	for (const p of conn.packets) out[p.flight - 1] = (out[p.flight - 1] ?? "") + p.text;
	return out;
}

export const b64 = (s: string) => btoa(s);
