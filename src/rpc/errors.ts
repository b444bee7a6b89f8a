/**
 * Failures over the binding. Workers RPC carries an error's message (and, for
 * built-in error types, its class) but drops its own properties, so an
 * EdgeSendError carries the problem in its message: it begins with the stable
 * code (`rate_limited: …`, easy to read in a log) and ends with the whole
 * problem as JSON after a marker line. `toProblem(e)` reads it back, on the
 * calling side, into the same `{code, status, errors, smtp, retryAfter, …}`
 * the HTTP API answers.
 */
import type { Problem } from "../send/problem";

const MARK = "\nproblem: ";

export class EdgeSendError extends Error {
	override readonly name = "EdgeSendError";

	constructor(problem: Problem) {
		super(`${problem.code}: ${problem.detail}${MARK}${JSON.stringify(problem)}`);
	}
}

/** The problem an EdgeSend call rejected with, or undefined when `error` is something else. */
export function toProblem(error: unknown): Problem | undefined {
	if (!(error instanceof Error)) return undefined;
	const at = error.message.lastIndexOf(MARK);
	if (at < 0) return undefined;
	try {
		const problem = JSON.parse(error.message.slice(at + MARK.length)) as Problem;
		return typeof problem.code === "string" && typeof problem.status === "number" ? problem : undefined;
	} catch {
		return undefined;
	}
}
