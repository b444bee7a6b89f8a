/**
 * What one delivery attempt means for a record: the final status it ends
 * in, or that it is worth another attempt (and which recipients still need one).
 */
import type { MessageStatus } from "../store/types";
import { type Problem, retryableCodes } from "./problem";
import type { Delivered } from "./types";

export type Verdict =
	| { final: true; status: Extract<MessageStatus, "sent" | "failed" | "unknown">; problem?: Problem }
	| { final: false; problem: Problem; retryAfterMs: number; onlyTo?: string[] };

/** The problem as kept in `lastError` and events: what it was, not how it was answered. */
export const errorOf = (p: Problem) => ({
	code: p.code,
	detail: p.detail,
	...(p.smtp ? { smtp: p.smtp } : {}),
	...(p.rejected ? { rejected: p.rejected } : {}),
});

/** Transient refusals of single recipients (4xx): only these are tried again. */
const temporarilyRefused = (d: Extract<Delivered, { ok: true }>) =>
	d.sent.rejected.filter((r) => typeof r.code === "number" && r.code >= 400 && r.code < 500).map((r) => r.address);

export function verdictOf(d: Delivered): Verdict {
	if (d.ok) {
		const again = temporarilyRefused(d);
		if (!again.length) return { final: true, status: "sent" };
		const p: Problem = {
			type: "urn:edgesend:problem:relay_unavailable",
			title: "The relay is unavailable",
			status: 503,
			code: "relay_unavailable",
			detail: `the relay refused ${again.length} recipient(s) for now`,
			rejected: d.sent.rejected.filter((r) => again.includes(r.address)),
		};
		return { final: false, problem: p, retryAfterMs: 0, onlyTo: again };
	}
	if (d.problem.code === "delivery_unknown") return { final: true, status: "unknown", problem: d.problem };
	if (retryableCodes.has(d.problem.code) && d.problem.code !== "idempotency_in_flight") {
		return { final: false, problem: d.problem, retryAfterMs: (d.problem.retryAfter ?? 0) * 1000 };
	}
	return { final: true, status: "failed", problem: d.problem };
}
