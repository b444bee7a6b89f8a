/**
 * The first stage of every send: validate the body (and a public key's
 * rules), fetch `url` attachments, compose, check the size. Every failure
 * leaves here as a thrown ProblemError. Suppressed recipients are dropped by
 * the caller (suppression-check.ts), once for a whole batch.
 */
import type { Config } from "../config";
import { type ComposedMessage, type ComposeOptions, composeMessage, MimeValidationError } from "../mime";
import { fieldErrors } from "../util/field-path";
import type { Caller } from "./caller";
import { addressesOf, resolveAttachments, toMessageInput, utf8AddressPaths } from "./message-input";
import { MessageSchema } from "./message-schema";
import { ProblemError, validationProblem } from "./problem";
import { checkPublicMessage, withPublicDefaults } from "./public-message";
import type { Prepared } from "./types";
import { FetchBudget } from "./url-attachment";

/** How large one message may be, and the request's fetch budget (a batch shares one of each). */
export interface PrepareBounds {
	maxBytes: number;
	/** What the bound is, for the 413: `MAX_MESSAGE_BYTES`, or the batch's total. */
	what: string;
	fetches: FetchBudget;
}

/** One message's bounds: MAX_MESSAGE_BYTES and a fetch budget of its own. */
export const messageBounds = (config: Config): PrepareBounds => ({
	maxBytes: config.maxMessageBytes,
	what: "MAX_MESSAGE_BYTES",
	fetches: new FetchBudget(),
});

/**
 * Validates and composes one message; throws ProblemError (400, 403, 413,
 * 503). `compose`: the composer's clock and randomness, when an idempotent
 * retry must produce the same bytes as the first attempt (accept.ts).
 */
export async function prepareMessage(
	input: unknown,
	config: Config,
	caller: Caller,
	bounds: PrepareBounds = messageBounds(config),
	compose?: ComposeOptions,
): Promise<Prepared> {
	const parsed = MessageSchema.safeParse(caller.kind === "public" ? withPublicDefaults(caller.key, input) : input);
	if (!parsed.success) throw validationProblem(fieldErrors(parsed.error.issues));
	const body = parsed.data;
	if (caller.kind === "public") {
		checkPublicMessage(caller.key, body);
		// The key's label, never the request's (checkPublicMessage refused any other).
		if (caller.key.labelId === undefined) delete body.labelId;
		else body.labelId = caller.key.labelId;
	}
	const attachments = await resolveAttachments(body, bounds.maxBytes, bounds.fetches);
	let composed: ComposedMessage;
	try {
		composed = composeMessage(toMessageInput(body, attachments, config.tagsHeader), compose);
	} catch (error) {
		if (error instanceof MimeValidationError) throw validationProblem(fieldErrors(error.issues));
		throw error;
	}
	if (composed.size > bounds.maxBytes) {
		throw new ProblemError(
			"payload_too_large",
			`the encoded message is ${composed.size} bytes; ${bounds.what} leaves ${bounds.maxBytes}`,
		);
	}
	const prepared: Prepared = {
		composed,
		subject: body.subject,
		utf8Paths: composed.smtpUtf8 ? utf8AddressPaths(body) : [],
		tags: body.tags ?? [],
		addresses: addressesOf(body),
		...(body.labelId === undefined ? {} : { labelId: String(body.labelId) }),
		...(body.sendAt === undefined ? {} : { sendAt: body.sendAt }),
	};
	return prepared;
}
