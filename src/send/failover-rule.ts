/**
 * The one rule for a second route (issue 23): may a message that failed on
 * one route go to the other? Only when the failure is the route's, not the
 * message's, and only when the route cannot have the message: nothing of its
 * content was asked for (the SMTP client reports every failure from the first
 * body byte on as stage `message`). Never twice, so when in doubt: no.
 *
 * The provider's REST route (rest-client.ts) is judged by its answer: only a
 * 502 or 503 says the request was not taken; a connection that failed may
 * have carried it (workerd cannot tell), so that stays where it was.
 *
 * Pure: the warm pool, batch sessions, the async consumer and the RPC door all
 * reach it through the one send path.
 */
import type { SmtpError, SmtpStage } from "../smtp";
import { RestError } from "./rest-client";

/** What the operator chose (FALLBACK_ON_LIMIT). */
export interface FailoverPolicy {
	/** Sends the primary refused for its rate limit (536) may take the second route. */
	onLimit: boolean;
}

export type Verdict = { failover: true; reason: string } | { failover: false; reason: string };

/** Stages before the relay could have any of the message: the session's opening. */
const OPENING: ReadonlySet<SmtpStage> = new Set(["connect", "tls", "greeting", "ehlo", "starttls"]);

/** The relay's frequency limit (EngageLab: `536 Frequency limited`). */
export const LIMIT_CODE = 536;

/**
 * Why `error` is the route's failure (a reason for the breaker's log), or
 * undefined when it is the message's (a 5xx to MAIL/RCPT/content, a size, a
 * refusal the client made itself) or the rate limit's. A connection lost
 * during or after the content counts: the route is failing, even though that
 * message may not go elsewhere.
 */
export function routeFault(error: SmtpError | RestError): string | undefined {
	if (error instanceof RestError) {
		const status = error.detail.status === undefined ? "" : ` ${error.detail.status}`;
		return error.kind === "unavailable" || error.kind === "unknown" ? `rest: ${error.kind}${status}` : undefined;
	}
	if (error.local) return undefined;
	if (error.code === LIMIT_CODE) return undefined;
	const at = `${error.stage}: ${error.kind}${error.code === undefined ? "" : ` ${error.code}`}`;
	if (OPENING.has(error.stage)) return at;
	if (error.stage === "auth") return error.kind === "rejected" ? undefined : at;
	if (error.stage === "quit") return undefined;
	// Envelope and content: a lost connection, no answer in time, or 421 (the relay is closing).
	if (error.code === 421) return at;
	if (error.reply === undefined && ["unavailable", "timeout", "unknown", "protocol"].includes(error.kind)) return at;
	return undefined;
}

/** Whether the message that failed with `error` may go to the other route. */
export function mayFailOver(error: SmtpError | RestError, policy: FailoverPolicy): Verdict {
	if (error instanceof RestError) return restVerdict(error, policy);
	if (error.local) return { failover: false, reason: "refused before reaching the relay: the message's fault" };
	if (error.stage === "message" || error.stage === "quit" || error.kind === "unknown") {
		return { failover: false, reason: "the content had started: the relay may have the message" };
	}
	if (error.code === LIMIT_CODE) {
		return policy.onLimit
			? { failover: true, reason: "the primary's rate limit (536), FALLBACK_ON_LIMIT=on" }
			: { failover: false, reason: "the primary's rate limit (536): FALLBACK_ON_LIMIT is off" };
	}
	const fault = routeFault(error);
	if (fault === undefined) return { failover: false, reason: "the relay refused the message: the message's fault" };
	return { failover: true, reason: fault };
}

function restVerdict(error: RestError, policy: FailoverPolicy): Verdict {
	if (error.detail.maybeSent) return { failover: false, reason: "the provider may have taken the request" };
	if (error.kind === "limit") {
		return policy.onLimit
			? { failover: true, reason: "the primary's rate limit (429), FALLBACK_ON_LIMIT=on" }
			: { failover: false, reason: "the primary's rate limit (429): FALLBACK_ON_LIMIT is off" };
	}
	if (error.kind === "unavailable") return { failover: true, reason: `rest: unavailable ${error.detail.status}` };
	return { failover: false, reason: `the provider refused the request (${error.kind}): not the route's failure` };
}
