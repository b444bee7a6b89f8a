/** A bench message in src/mime's input shape (it is already nearly that shape). */
import type { MessageInput } from "../../src/mime/index.ts";
import type { BenchMessage } from "./messages.ts";

export function toMessageInput(message: BenchMessage): MessageInput {
	return {
		from: message.from,
		to: message.to,
		subject: message.subject,
		text: message.text,
		html: message.html,
		attachments: message.attachments.map((a) => ({ ...a })),
	};
}
