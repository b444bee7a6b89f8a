/**
 * A transaction's own deadlines, beside the session's: a message sent under
 * a rate-limit permit must reach the relay within a bound of the permit's
 * grant, or the limiter could stop counting it before the relay does. The
 * caller (whoever holds the permit) says when the transaction must have
 * started and when its content must have gone; the session refuses, with
 * nothing sent, a transaction it could not start in time, and cuts any wait
 * up to and including the write carrying the final dot at `contentBy`.
 */
import { SmtpError } from "./errors.ts";

export interface TransactionDeadline {
	/** Epoch ms: MAIL is not written at or after this (refused, nothing sent). */
	startBy: number;
	/** Epoch ms: every wait of the transaction before the reply to its final dot ends by this. */
	contentBy: number;
}

/**
 * Why a transaction cannot start now under `deadline`, as the error to throw
 * (stage mail, kind timeout: nothing was sent), or undefined when it can. It
 * is not started either when the content deadline leaves no more than the
 * longest transaction on this session took: it would only be cut.
 */
export function notStartable(
	deadline: TransactionDeadline | undefined,
	longestTransactionMs: number,
	now: number = Date.now(),
): SmtpError | undefined {
	if (!deadline) return undefined;
	if (now >= deadline.startBy) {
		return new SmtpError(
			`not started: the transaction had to start by its permit's start deadline, ${now - deadline.startBy} ms ago`,
			{ stage: "mail", kind: "timeout" },
		);
	}
	const left = deadline.contentBy - now;
	if (left <= longestTransactionMs) {
		return new SmtpError(
			`not started: its permit's content deadline leaves ${Math.max(left, 0)} ms, and a transaction has taken up to ${longestTransactionMs} ms on this session`,
			{ stage: "mail", kind: "timeout" },
		);
	}
	return undefined;
}
