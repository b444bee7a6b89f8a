/**
 * The bytes of a message waiting for delivery, in R2 (`SPOOL`) under
 * `spool/<ref>`: written when the send is accepted, read by each attempt,
 * deleted when the record is final. Nothing else of the body is kept.
 */
import type { ComposedMessage } from "../mime";
import type { Envelope } from "../store/types";

export const spoolKey = (ref: string) => `spool/${ref}`;

/** Reads the whole composed message once and stores it. */
export async function spool(bucket: R2Bucket, ref: string, composed: ComposedMessage): Promise<string> {
	const key = spoolKey(ref);
	const bytes = await new Response(composed.body()).arrayBuffer();
	await bucket.put(key, bytes);
	return key;
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

export async function dropSpool(bucket: R2Bucket | undefined, key: string | null): Promise<void> {
	if (bucket && key) await bucket.delete(key);
}
