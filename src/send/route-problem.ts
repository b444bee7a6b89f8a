/**
 * The failures of the routes that are not SMTP sessions (the provider's REST
 * API, the send_email binding) → the same problems an SMTP failure becomes
 * (smtp-problem.ts), so a caller reads one error model whatever the route:
 * refused → 502 relay_rejected, not taken for now → 503 relay_unavailable,
 * maybe taken → 502 delivery_unknown, the limit → 429 (and the limiter cools
 * down, the budget being the api_user's on every door), what the route cannot
 * carry → 400 naming the field, too large → 413.
 */
import { BindingError } from "./binding-route";
import { type Problem, ProblemError, problem, validationProblem } from "./problem";
import { RestError } from "./rest-client";
import { RestUnfit } from "./rest-request";
import { COOL_MS } from "./smtp-problem";

/** Retry-After for a route that could not take the message now. */
const RETRY_UNAVAILABLE_S = 30;

export interface RouteOutcome {
	problem: Problem;
	/** The message did not reach the route: its permit goes back. */
	release: boolean;
	/** The provider said its frequency limit: cool the limiter down. */
	cool: boolean;
}

/** The problem of a route's own error; undefined for anything else (an SmtpError goes to smtpOutcome). */
export function routeOutcome(error: unknown): RouteOutcome | undefined {
	if (error instanceof RestUnfit) {
		return { problem: validationProblem(error.issues).problem, release: true, cool: false };
	}
	if (error instanceof RestError) return restOutcome(error);
	if (error instanceof BindingError) return bindingOutcome(error);
	return undefined;
}

function restOutcome(error: RestError): RouteOutcome {
	const { status, code, reply } = error.detail;
	const said = `the provider's REST API answered ${status ?? "nothing"}${code === undefined ? "" : ` (code ${code})`}${reply ? `: ${reply}` : ""}`;
	switch (error.kind) {
		case "limit":
			return {
				problem: problem("rate_limited", `${said}; sending pauses for a minute`, { retryAfter: COOL_MS / 1000 }),
				release: true,
				cool: true,
			};
		case "unavailable":
			return {
				problem: problem("relay_unavailable", `the relay is unavailable: ${said}`, { retryAfter: RETRY_UNAVAILABLE_S }),
				release: true,
				cool: false,
			};
		case "unknown":
			return {
				problem: problem(
					"delivery_unknown",
					`no clear answer from the provider's REST API (${error.message}): the mail may have been accepted. Do not retry blindly (that may deliver it twice); check whether it arrived first.`,
				),
				release: false,
				cool: false,
			};
		default:
			return { problem: problem("relay_rejected", `the relay refused: ${said}`), release: true, cool: false };
	}
}

function bindingOutcome(error: BindingError): RouteOutcome {
	const who = error.rejected.map((r) => `${r.address}: ${r.reason}`).join("; ");
	if (error.kind === "unavailable") {
		return {
			problem: problem("relay_unavailable", `the Email Service is unavailable: ${who || error.message}`, {
				retryAfter: RETRY_UNAVAILABLE_S,
			}),
			release: true,
			cool: false,
		};
	}
	if (error.kind === "too_large") {
		return { problem: new ProblemError("payload_too_large", error.message).problem, release: true, cool: false };
	}
	return { problem: problem("relay_rejected", `the Email Service refused: ${who}`), release: true, cool: false };
}
