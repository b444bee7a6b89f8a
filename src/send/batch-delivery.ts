/**
 * The direct path (no pool, or what no pool object took; see delivery.ts):
 * delivers the admitted messages from the Worker: one SMTP session per label (or a
 * few for a long run of one label, see batch-plan.ts), sessions in parallel,
 * never more than six open at once, transactions one after another on each.
 * After a 536 a session stops; its unsent messages are answered 429. When a
 * session becomes unusable (`SmtpSession.usable`: the relay hung up, or its
 * deadline is near), the rest go over a new one, up to MAX_REOPENS times.
 */
import type { Config } from "../config";
import { SmtpSession, type TransactionDeadline } from "../smtp";
import { MAX_SESSIONS, planSessions, runPooled } from "./batch-plan";
import { deliver, failure, smtpConfigFor } from "./deliver";
import { problem } from "./problem";
import { COOL_MS } from "./smtp-problem";
import type { Admitted, Delivered } from "./types";

/** New sessions one plan may open after its session became unusable (each is a connection). */
const MAX_REOPENS = 3;

/** A message not sent because the relay said 536 to an earlier one. */
export const notSentAfter536 = (): Delivered => ({
	ok: false,
	problem: problem("rate_limited", "not sent: the relay's frequency limit was reached (536) earlier in this session", {
		retryAfter: COOL_MS / 1000,
	}),
	release: true,
	cool: false,
});

/** Delivers every admitted message (each within `deadline`, its permits'); the result map is keyed by request index. */
export async function deliverBatch(
	config: Config,
	admitted: readonly Admitted[],
	closeLater: (closing: Promise<void>) => void,
	deadline?: TransactionDeadline,
): Promise<Map<number, Delivered>> {
	const results = new Map<number, Delivered>();
	const plans = planSessions(admitted, (a) => a.prepared.labelId);
	await runPooled(
		plans.map((plan) => async () => {
			/** A session for `plan.items` from `from` on; undefined (each answered) when it cannot be opened. */
			const open = async (from: number): Promise<SmtpSession | undefined> => {
				try {
					return await SmtpSession.open(smtpConfigFor(config, plan.label));
				} catch (error) {
					const failed = failure(error);
					for (const item of plan.items.slice(from)) results.set(item.index, failed);
					return undefined;
				}
			};
			let session = await open(0);
			if (!session) return;
			try {
				let cooled = false;
				let reopened = 0;
				for (const [i, item] of plan.items.entries()) {
					if (cooled) {
						results.set(item.index, notSentAfter536());
						continue;
					}
					// The relay hung up (often right after a refusal) or the deadline is near: go on over a new session.
					if (!session.usable && reopened++ < MAX_REOPENS) {
						await session.close();
						const next = await open(i);
						if (!next) return;
						session = next;
					}
					const result = await deliver(session, item.prepared, deadline);
					results.set(item.index, result);
					cooled = !result.ok && result.cool;
				}
			} finally {
				// With sessions still queued, this slot is reused at once: really close first.
				if (plans.length > MAX_SESSIONS) await session.close();
				else closeLater(session.close());
			}
		}),
	);
	return results;
}
