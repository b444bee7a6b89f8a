/**
 * The bytes of a message waiting for delivery, in R2 (`SPOOL`) under
 * `spool/<ref>`: written when the send is accepted, read by each attempt
 * (before its claim, so a failed read changes nothing), deleted by the
 * record's shard once the record is final (its sweep). When the provider's
 * REST API is one of the routes, the message's fields go beside them
 * (`spool/<ref>.fields`, JSON, attachments in base64): that route sends
 * fields, not bytes.
 */
import type { ComposedMessage, MessageInput } from "../mime";
import type { Claimed } from "../store/shard-lifecycle";
import { fieldsKey, spoolKey } from "../store/spool-keys";
import { decodeBase64, encodeBase64 } from "../util/bytes";
import { utf8AddressPaths } from "./message-input";
import type { Prepared } from "./types";

export { spoolKey, spoolKeys } from "../store/spool-keys";

/** Reads the whole composed message once and stores it, and its fields when given (the same ref again: the same bytes again). */
export async function spool(
	bucket: R2Bucket,
	ref: string,
	composed: ComposedMessage,
	fields?: MessageInput,
): Promise<void> {
	const bytes = await new Response(composed.body()).arrayBuffer();
	if (fields) {
		const attachments = fields.attachments?.map((a) => ({ ...a, content: encodeBase64(a.content) }));
		await bucket.put(fieldsKey(ref), JSON.stringify({ ...fields, ...(attachments ? { attachments } : {}) }));
	}
	await bucket.put(spoolKey(ref), bytes);
}

/** What the spool holds of a message: its bytes, and its fields when they were kept; undefined when gone. */
export interface Spooled {
	bytes: Uint8Array;
	fields?: MessageInput;
}

export async function readSpool(bucket: R2Bucket, ref: string, withFields = false): Promise<Spooled | undefined> {
	const object = await bucket.get(spoolKey(ref));
	if (!object) return undefined;
	const bytes = new Uint8Array(await object.arrayBuffer());
	const fields = withFields ? await readFields(bucket, ref) : undefined;
	return fields ? { bytes, fields } : { bytes };
}

async function readFields(bucket: R2Bucket, ref: string): Promise<MessageInput | undefined> {
	const object = await bucket.get(fieldsKey(ref));
	if (!object) return undefined;
	const json = (await object.json()) as Omit<MessageInput, "attachments"> & {
		attachments?: (Omit<NonNullable<MessageInput["attachments"]>[number], "content"> & { content: string })[];
	};
	const { attachments, ...rest } = json;
	if (!attachments) return rest;
	return {
		...rest,
		attachments: attachments.map((a) => ({ ...a, content: decodeBase64(a.content) ?? new Uint8Array() })),
	};
}

/** A claimed record's spooled message for the relay: its envelope still to deliver, `to` as the claim says. */
export function claimedMessage(claimed: Claimed, spooled: Spooled, to: string[]): Prepared {
	const { envelope } = claimed;
	const { bytes } = spooled;
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
		...(spooled.fields ? { input: spooled.fields } : {}),
		// Only the envelope is left to name an address by: `from`, `to[i]`.
		utf8Paths: composed.smtpUtf8 ? utf8AddressPaths({ from: envelope.from, to }) : [],
		...(claimed.labelId === null ? {} : { labelId: claimed.labelId }),
	};
}
