/**
 * The bytes of a message waiting for delivery, in R2 (`SPOOL`) under
 * `spool/<ref>`: written when the send is accepted, read by each attempt
 * (before its claim, so a failed read changes nothing), deleted by the
 * record's shard once the record is final (its sweep). Nothing else of the
 * body is kept.
 */
import type { ComposedMessage } from "../mime";
import type { Claimed } from "../store/shard-lifecycle";
import { utf8AddressPaths } from "./message-input";
import type { Prepared } from "./types";

export const spoolKey = (ref: string) => `spool/${ref}`;

/** Reads the whole composed message once and stores it (the same ref again: the same bytes again). */
export async function spool(bucket: R2Bucket, ref: string, composed: ComposedMessage): Promise<void> {
	const bytes = await new Response(composed.body()).arrayBuffer();
	await bucket.put(spoolKey(ref), bytes);
}

/** The spooled bytes, or undefined when they are gone. */
export async function readSpool(bucket: R2Bucket, ref: string): Promise<Uint8Array | undefined> {
	const object = await bucket.get(spoolKey(ref));
	return object ? new Uint8Array(await object.arrayBuffer()) : undefined;
}

/** A claimed record's bytes as a message for the relay: its envelope still to deliver, `to` as the claim says. */
export function claimedMessage(claimed: Claimed, bytes: Uint8Array, to: string[]): Prepared {
	const { envelope } = claimed;
	const composed: ComposedMessage = {
		messageId: claimed.messageId,
		envelope: { from: envelope.from, to },
		size: bytes.length,
		body: () =>
			new ReadableStream<Uint8Array>({
				start(controller) {
					controller.enqueue(bytes);
					controller.close();
				},
			}),
		eightBit: envelope.eightBit,
		smtpUtf8: envelope.smtpUtf8,
		warnings: [],
	};
	return {
		composed,
		subject: claimed.subject,
		// Only the envelope is left to name an address by: `from`, `to[i]`.
		utf8Paths: composed.smtpUtf8 ? utf8AddressPaths({ from: envelope.from, to }) : [],
		...(claimed.labelId === null ? {} : { labelId: claimed.labelId }),
	};
}
