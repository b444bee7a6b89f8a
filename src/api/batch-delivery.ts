/**
 * The direct path (no pool, or what no pool object took; see delivery.ts):
 * delivers the admitted messages from the Worker: one SMTP session per label (or a
 * few for a long run of one label, see batch-plan.ts), sessions in parallel,
 * never more than six open at once, transactions one after another on each.
 * After a 536 a session stops; its unsent messages are answered 429.
 */
import type { Config } from "../config";
import { SmtpSession } from "../smtp";
import { MAX_SESSIONS, planSessions, runPooled } from "./batch-plan";
import { problem } from "./problem";
import { type Delivered, deliver, failure, type Prepared, smtpConfigFor } from "./send-path";
import { COOL_MS } from "./smtp-problem";

export interface Admitted {
	index: number;
	prepared: Prepared;
}

/** A message not sent because the relay said 536 to an earlier one. */
export const notSentAfter536 = (): Delivered => ({
	ok: false,
	problem: problem("rate_limited", "not sent: the relay's frequency limit was reached (536) earlier in this session", {
		retryAfter: COOL_MS / 1000,
	}),
	release: true,
	cool: false,
});

/** Delivers every admitted message; the result map is keyed by request index. */
export async function deliverBatch(
	config: Config,
	admitted: readonly Admitted[],
	closeLater: (closing: Promise<void>) => void,
): Promise<Map<number, Delivered>> {
	const results = new Map<number, Delivered>();
	const plans = planSessions(admitted, (a) => a.prepared.labelId);
	await runPooled(
		plans.map((plan) => async () => {
			let session: SmtpSession;
			try {
				session = await SmtpSession.open(smtpConfigFor(config, plan.label));
			} catch (error) {
				const failed = failure(error);
				for (const item of plan.items) results.set(item.index, failed);
				return;
			}
			try {
				let cooled = false;
				for (const item of plan.items) {
					if (cooled) {
						results.set(item.index, notSentAfter536());
						continue;
					}
					const result = await deliver(session, item.prepared);
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
