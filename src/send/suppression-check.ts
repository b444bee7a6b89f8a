/**
 * Refuses suppressed recipients before the relay is contacted: they leave the
 * envelope and are answered in `rejected` with code `recipient_suppressed`;
 * when none is left, the message is a 422. Without a `DB` binding there is
 * no list, and nothing is refused.
 */
import { suppressedAmong } from "../events/suppressions";
import { ProblemError, type Rejected } from "./problem";
import type { Prepared } from "./types";

export async function refuseSuppressed(
	db: D1Database | undefined,
	apiUser: string,
	prepared: Prepared,
): Promise<Prepared> {
	if (!db) return prepared;
	const { envelope } = prepared.composed;
	const suppressed = await suppressedAmong(db, apiUser, envelope.to);
	if (!suppressed.size) return prepared;
	const kept = envelope.to.filter((a) => !suppressed.has(a.toLowerCase()));
	const refused: Rejected[] = envelope.to
		.filter((a) => suppressed.has(a.toLowerCase()))
		.map((address) => ({
			address,
			code: "recipient_suppressed",
			reply: "on the suppression list (hard bounce or complaint); DELETE /v1/suppressions/{email} lifts it",
		}));
	if (!kept.length) {
		throw new ProblemError(
			"recipient_suppressed",
			`every recipient is on the suppression list: ${refused.map((r) => r.address).join(", ")}`,
			{ rejected: refused },
		);
	}
	return { ...prepared, composed: { ...prepared.composed, envelope: { ...envelope, to: kept } }, refused };
}
