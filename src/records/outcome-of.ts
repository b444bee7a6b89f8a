/**
 * What one delivery attempt of a claimed record means for it, as the store
 * takes it (shard-lifecycle.ts `Outcome`): final (sent, failed, unknown) or
 * another attempt after the backoff — only to the recipients refused for now
 * after a partial 4xx — or, past the record's 24 hours, failed
 * `delivery_expired` with the last transient problem.
 */
import { errorOf, verdictOf } from "../send/outcome";
import type { Delivered } from "../send/types";
import type { Claimed, Outcome } from "../store/shard-lifecycle";
import { retryDelayMs } from "../util/backoff";

export function outcomeOf(claimed: Claimed, delivered: Delivered, at: number): Outcome {
	const verdict = verdictOf(delivered);
	const reached = delivered.ok ? { relayId: delivered.sent.id, route: delivered.sent.route } : {};
	const detail = delivered.ok
		? { attempt: claimed.attempt, ...reached, accepted: delivered.sent.accepted, rejected: delivered.sent.rejected }
		: { attempt: claimed.attempt, ...errorOf(delivered.problem) };
	if (verdict.final) {
		return {
			kind: "final",
			status: verdict.status,
			...reached,
			...(verdict.problem ? { lastError: errorOf(verdict.problem) } : {}),
			detail,
		};
	}
	const next = at + retryDelayMs(claimed.attempt, verdict.retryAfterMs);
	if (next >= claimed.deadlineAt) {
		const lastError = {
			code: "delivery_expired",
			detail: `not delivered within 24 hours (${claimed.attempt} attempts)`,
			last: errorOf(verdict.problem),
		};
		return { kind: "final", status: "failed", ...reached, lastError, detail };
	}
	return {
		kind: "retry",
		nextAttemptAt: next,
		lastError: errorOf(verdict.problem),
		...reached,
		...(verdict.onlyTo ? { pendingTo: verdict.onlyTo } : {}),
		detail,
	};
}
