/**
 * Refuses suppressed recipients before the relay is contacted: they leave the
 * envelope and are answered in `rejected` with code `recipient_suppressed`;
 * a message with none left is a 422. One lookup for a whole request: the
 * addresses of every message, one call per SuppressionList object they touch.
 * Without the store bound there is no list, and nothing is refused.
 */
import { type StoreBindings, suppressedAmong } from "../store/messages-client";
import { type Problem, problem, type Rejected } from "./problem";
import type { Prepared } from "./types";

/** The suppressed addresses (lowercased) among `to` of every message. */
export async function suppressedOf(
	store: Pick<StoreBindings, "SUPPRESSIONS"> | undefined,
	apiUser: string,
	recipients: readonly string[],
): Promise<Set<string>> {
	if (!store || !recipients.length) return new Set();
	return new Set((await suppressedAmong(store, apiUser, recipients)).map((s) => s.email));
}

export const suppressedReply =
	"on the suppression list (hard bounce or complaint); DELETE /v1/suppressions/{email} lifts it";

/** `prepared` without the suppressed recipients, or the 422 when none is left. */
export function withoutSuppressed(prepared: Prepared, suppressed: ReadonlySet<string>): Prepared | Problem {
	const { envelope } = prepared.composed;
	const kept = envelope.to.filter((a) => !suppressed.has(a.toLowerCase()));
	if (kept.length === envelope.to.length) return prepared;
	const refused: Rejected[] = envelope.to
		.filter((a) => suppressed.has(a.toLowerCase()))
		.map((address) => ({ address, code: "recipient_suppressed", reply: suppressedReply }));
	if (!kept.length) {
		return problem(
			"recipient_suppressed",
			`every recipient is on the suppression list: ${refused.map((r) => r.address).join(", ")}`,
			{ rejected: refused },
		);
	}
	return { ...prepared, composed: { ...prepared.composed, envelope: { ...envelope, to: kept } }, refused };
}
