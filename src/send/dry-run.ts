/**
 * A dry run (`?dryRun=true` over HTTP, `options.dryRun` over RPC): the
 * message is validated, its url attachments fetched and it is composed
 * exactly as for sending, and the result shows what would go out: envelope,
 * AUTH user (never the secret), Message-ID, warnings and the exact bytes.
 * No permit is taken, no connection opened, nothing recorded or kept for an
 * Idempotency-Key (a dry run changes nothing, so there is nothing to replay).
 */
import type { Config } from "../config";
import { concatBytes } from "../util/bytes";
import { fieldErrors } from "../util/field-path";
import type { Caller } from "./caller";
import { failure, smtpConfigFor } from "./deliver";
import { BatchEnvelopeSchema } from "./message-schema";
import { messageBounds, prepareMessage } from "./prepare";
import { type Problem, validationProblem } from "./problem";
import type { Prepared } from "./types";

export interface DryRun {
	dryRun: true;
	size: number;
	envelope: { from: string; to: string[] };
	authUser: string;
	messageId: string;
	warnings: Prepared["composed"]["warnings"];
	/** The exact bytes that would be sent (ASCII, or UTF-8 when an address needs SMTPUTF8). */
	mime: string;
}

/** The message's bytes, read from its stream. */
export async function messageBytes(prepared: Prepared): Promise<Uint8Array> {
	const chunks: Uint8Array[] = [];
	for await (const chunk of prepared.composed.body()) chunks.push(chunk);
	return concatBytes(chunks);
}

export async function dryRunOf(prepared: Prepared, config: Config): Promise<DryRun> {
	const { composed } = prepared;
	return {
		dryRun: true,
		size: composed.size,
		envelope: { from: composed.envelope.from, to: [...composed.envelope.to] },
		authUser: smtpConfigFor(config, prepared.labelId).user,
		messageId: composed.messageId,
		warnings: composed.warnings,
		mime: new TextDecoder().decode(await messageBytes(prepared)),
	};
}

/** A dry run of each message of a batch body: one result per message, nothing admitted or sent. */
export async function dryRunBatch(
	input: unknown,
	config: Config,
	caller: Caller,
): Promise<((DryRun & { status: 200 }) | Problem)[]> {
	const envelope = BatchEnvelopeSchema.safeParse(input);
	if (!envelope.success) throw validationProblem(fieldErrors(envelope.error.issues));
	const results: ((DryRun & { status: 200 }) | Problem)[] = [];
	// One fetch budget for the whole batch, as when it is sent.
	const bounds = messageBounds(config);
	for (const message of envelope.data.messages) {
		try {
			const prepared = await prepareMessage(message, config, caller, bounds);
			results.push({ status: 200, ...(await dryRunOf(prepared, config)) });
		} catch (error) {
			results.push(failure(error).problem);
		}
	}
	return results;
}
