/**
 * The send path shared by /v1/send and /v1/batch: validate → (public-key
 * checks) → fetch attachments → compose → admit → deliver → answer. Every
 * failure leaves here as a Problem; permits of messages that never reached
 * DATA go back to the limiter.
 */
import type { Config } from "../config";
import { type ComposedMessage, composeMessage, MimeValidationError } from "../mime";
import {
	type Capabilities,
	type Delivery,
	type SmtpConfig,
	SmtpConfigError,
	SmtpError,
	type SmtpSession,
} from "../smtp";
import { fieldErrors } from "../util/field-path";
import { checkPublicMessage, withPublicDefaults } from "./auth/public-key";
import type { Limiter } from "./limiter";
import { resolveAttachments, toMessageInput, utf8AddressPaths } from "./message-input";
import { ApiProblem, type Problem, type Rejected, validationProblem } from "./problem";
import { type MessageBody, MessageSchema } from "./schemas";
import { COOL_MS, configProblem, smtpOutcome } from "./smtp-problem";
import { refuseSuppressed } from "./suppression-check";
import type { Caller } from "./types";
import { FetchBudget } from "./url-attachment";

/** A message ready for the relay. */
export interface Prepared {
	body: MessageBody;
	composed: ComposedMessage;
	/** As the AUTH user's suffix: `api_user#<labelId>`. */
	labelId?: string;
	/** Recipients refused before the relay (suppressed); they join the answer's `rejected`. */
	refused?: Rejected[];
}

export interface Sent {
	id: string;
	messageId: string;
	accepted: string[];
	rejected: Rejected[];
	warnings: { code: string; path: string; message: string }[];
}

/** How large one message may be, and the request's fetch budget (a batch shares one of each). */
export interface PrepareBounds {
	maxBytes: number;
	/** What the bound is, for the 413: `MAX_MESSAGE_BYTES`, or the batch's total. */
	what: string;
	fetches: FetchBudget;
}

const messageBounds = (config: Config): PrepareBounds => ({
	maxBytes: config.maxMessageBytes,
	what: "MAX_MESSAGE_BYTES",
	fetches: new FetchBudget(),
});

/** Validates and composes one message, refusing suppressed recipients when `db` is given; throws ApiProblem (400, 403, 413, 422, 503). */
export async function prepareMessage(
	input: unknown,
	config: Config,
	caller: Caller,
	db?: D1Database,
	bounds: PrepareBounds = messageBounds(config),
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
		composed = composeMessage(toMessageInput(body, attachments));
	} catch (error) {
		if (error instanceof MimeValidationError) throw validationProblem(fieldErrors(error.issues));
		throw error;
	}
	if (composed.size > bounds.maxBytes) {
		throw new ApiProblem(
			"payload_too_large",
			`the encoded message is ${composed.size} bytes; ${bounds.what} leaves ${bounds.maxBytes}`,
		);
	}
	const prepared = body.labelId === undefined ? { body, composed } : { body, composed, labelId: String(body.labelId) };
	return refuseSuppressed(db, config.smtp.user, prepared);
}

/** The SMTP settings for one label (the AUTH user carries it). */
export function smtpConfigFor(config: Config, labelId: string | undefined): SmtpConfig {
	const { host, port, security, user, pass, ehloName, timeoutMs } = config.smtp;
	return {
		host,
		port,
		security,
		user: labelId === undefined ? user : `${user}#${labelId}`,
		pass,
		ehloName,
		...(timeoutMs === undefined ? {} : { connectTimeoutMs: timeoutMs, replyTimeoutMs: timeoutMs }),
	};
}

/** What the relay must offer for this message, checked before MAIL (nothing is sent when it fails). */
export function checkCapabilities(caps: Readonly<Capabilities>, prepared: Prepared): void {
	if (prepared.composed.smtpUtf8 && !caps.smtpUtf8) {
		const paths = utf8AddressPaths(prepared.body);
		throw validationProblem(
			paths.map((path) => ({ path, message: "has a UTF-8 local part, and the relay does not offer SMTPUTF8" })),
		);
	}
	if (caps.size && prepared.composed.size > caps.size) {
		throw new ApiProblem(
			"payload_too_large",
			`the encoded message is ${prepared.composed.size} bytes; the relay accepts at most ${caps.size} (SIZE)`,
		);
	}
}

/** What became of one message on a session. */
export type Delivered = { ok: true; sent: Sent } | { ok: false; problem: Problem; release: boolean; cool: boolean };

/** A failure before or around SMTP as a result (unknown errors are rethrown). */
export function failure(error: unknown): Extract<Delivered, { ok: false }> {
	if (error instanceof ApiProblem) return { ok: false, problem: error.problem, release: true, cool: false };
	if (error instanceof SmtpError) return { ok: false, ...smtpOutcome(error) };
	if (error instanceof SmtpConfigError)
		return { ok: false, problem: configProblem(error).problem, release: true, cool: false };
	throw error;
}

/** The answer for a message the relay accepted. */
export function sentResult(prepared: Prepared, delivery: Delivery): Delivered {
	return {
		ok: true,
		sent: {
			id: delivery.id,
			messageId: prepared.composed.messageId,
			accepted: delivery.accepted,
			rejected: [...(prepared.refused ?? []), ...delivery.rejected],
			warnings: prepared.composed.warnings,
		},
	};
}

/** Sends one prepared message on an open session. */
export async function deliver(session: SmtpSession, prepared: Prepared): Promise<Delivered> {
	try {
		checkCapabilities(session.capabilities, prepared);
		return sentResult(prepared, await session.send(prepared.composed));
	} catch (error) {
		return failure(error);
	}
}

/**
 * Tells the limiter what became of a grant: unused permits back, the others
 * counted from now (when the relay has seen them), and a cool-down after a 536.
 */
export async function settle(limiter: Limiter, at: number, results: readonly Delivered[]): Promise<void> {
	const unused = results.filter((r) => !r.ok && r.release).length;
	await limiter.settle(unused, results.length - unused, at);
	if (results.some((r) => !r.ok && r.cool)) await limiter.cool(COOL_MS);
}
