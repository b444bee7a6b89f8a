/**
 * One prepared message on one SMTP session, and what its outcome means: the
 * SMTP settings for a label, what the relay must offer before MAIL, an
 * accepted message as Sent, any failure as a Problem (with whether its permit
 * goes back and whether the relay said 536).
 */
import type { Config } from "../config";
import {
	type Capabilities,
	type Delivery,
	type SmtpConfig,
	SmtpConfigError,
	SmtpError,
	type SmtpSession,
	type TransactionDeadline,
} from "../smtp";
import { ProblemError, validationProblem } from "./problem";
import { configProblem, smtpOutcome } from "./smtp-problem";
import type { Delivered, Prepared } from "./types";

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
		throw validationProblem(
			prepared.utf8Paths.map((path) => ({
				path,
				message: "has a UTF-8 local part, and the relay does not offer SMTPUTF8",
			})),
		);
	}
	if (caps.size && prepared.composed.size > caps.size) {
		throw new ProblemError(
			"payload_too_large",
			`the encoded message is ${prepared.composed.size} bytes; the relay accepts at most ${caps.size} (SIZE)`,
		);
	}
}

/** A failure before or around SMTP as a result (unknown errors are rethrown). */
export function failure(error: unknown): Extract<Delivered, { ok: false }> {
	if (error instanceof ProblemError) return { ok: false, problem: error.problem, release: true, cool: false };
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

/** Sends one prepared message on an open session, within its permit's deadline. */
export async function deliver(
	session: SmtpSession,
	prepared: Prepared,
	deadline?: TransactionDeadline,
): Promise<Delivered> {
	try {
		checkCapabilities(session.capabilities, prepared);
		return sentResult(prepared, await session.send(prepared.composed, deadline));
	} catch (error) {
		return failure(error);
	}
}
