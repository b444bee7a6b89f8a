/**
 * The bytes of a message waiting for delivery, in R2 (`SPOOL`) under
 * `spool/<ref>`: written when the send is accepted, read by each attempt,
 * deleted when the record is final. When the provider's REST API is one of
 * the routes, the message's fields go beside them (`spool/<ref>.fields`,
 * JSON, attachments in base64): that route sends fields, not bytes.
 */
import type { ComposedMessage, MessageInput } from "../mime";
import type { Envelope, MessageRecord } from "../store/types";
import { decodeBase64, encodeBase64 } from "../util/bytes";
import { utf8AddressPaths } from "./message-input";
import type { Prepared } from "./types";

export const spoolKey = (ref: string) => `spool/${ref}`;

const fieldsKey = (key: string) => `${key}.fields`;

/** Reads the whole composed message once and stores it (and its fields, when given). */
export async function spool(
	bucket: R2Bucket,
	ref: string,
	composed: ComposedMessage,
	fields?: MessageInput,
): Promise<string> {
	const key = spoolKey(ref);
	const bytes = await new Response(composed.body()).arrayBuffer();
	if (fields) {
		const attachments = fields.attachments?.map((a) => ({ ...a, content: encodeBase64(a.content) }));
		await bucket.put(fieldsKey(key), JSON.stringify({ ...fields, ...(attachments ? { attachments } : {}) }));
	}
	await bucket.put(key, bytes);
	return key;
}

/** The spooled fields of a message, when they were kept. */
async function unspoolFields(bucket: R2Bucket, key: string): Promise<MessageInput | undefined> {
	const object = await bucket.get(fieldsKey(key));
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

/** The spooled bytes as a message the SMTP session can send again and again; undefined when gone. */
export async function unspool(
	bucket: R2Bucket,
	key: string,
	messageId: string,
	envelope: Envelope,
): Promise<ComposedMessage | undefined> {
	const object = await bucket.get(key);
	if (!object) return undefined;
	const bytes = new Uint8Array(await object.arrayBuffer());
	return {
		messageId,
		envelope: { from: envelope.from, to: envelope.to },
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
}

/**
 * A record's spooled message, ready for the relay again, with the envelope
 * still to deliver (only the pending recipients after a partial 4xx);
 * undefined when the record has no spooled bytes or they are gone.
 */
export async function spooledMessage(bucket: R2Bucket, record: MessageRecord): Promise<Prepared | undefined> {
	const envelope = record.envelope;
	if (!envelope || !record.spoolKey) return undefined;
	const to = record.pendingTo ?? envelope.to;
	const composed = await unspool(bucket, record.spoolKey, record.messageId, { ...envelope, to });
	if (!composed) return undefined;
	const input = await unspoolFields(bucket, record.spoolKey);
	return {
		composed,
		...(input ? { input } : {}),
		subject: record.subject,
		// Only the envelope is left to name an address by: `from`, `to[i]`.
		utf8Paths: composed.smtpUtf8 ? utf8AddressPaths({ from: envelope.from, to }) : [],
		...(record.labelId === null ? {} : { labelId: record.labelId }),
		tags: record.tags,
		addresses: record.addresses ?? { from: envelope.from, to, cc: [], bcc: [], replyTo: [] },
	};
}

export async function dropSpool(bucket: R2Bucket | undefined, key: string | null): Promise<void> {
	if (bucket && key) await bucket.delete([key, fieldsKey(key)]);
}
