/**
 * SmtpError → problem, in one place (DESIGN.md §1): what the caller is told,
 * and what the limiter must hear — permits of a message refused before DATA
 * go back, and the relay's `536` cools the api_user down.
 */
import type { SmtpConfigError, SmtpError, SmtpStage } from "../smtp";
import { type Problem, ProblemError, problem, validationProblem } from "./problem";

/** How long a `536 Frequency limited` stops all sending: the relay's window is a minute. */
export const COOL_MS = 60_000;
/** Retry-After for a relay that said "later" or could not be reached. */
const RETRY_UNAVAILABLE_S = 30;

const beforeData: ReadonlySet<SmtpStage> = new Set([
	"connect",
	"tls",
	"greeting",
	"ehlo",
	"starttls",
	"auth",
	"mail",
	"rcpt",
	"data",
]);

export interface SmtpOutcome {
	problem: Problem;
	/** The message never reached DATA: hand its permit back. */
	release: boolean;
	/** The relay said 536: cool the limiter down. */
	cool: boolean;
}

export function smtpOutcome(error: SmtpError): SmtpOutcome {
	const smtp = {
		stage: error.stage,
		...(error.code !== undefined ? { code: error.code } : {}),
		...(error.enhancedCode ? { enhancedCode: error.enhancedCode } : {}),
		...(error.reply !== undefined ? { reply: error.reply } : {}),
	};
	const rejected = error.rejected ? { rejected: error.rejected } : {};
	const release = beforeData.has(error.stage) && error.kind !== "unknown";
	const at = `at ${error.stage}: ${error.message}`;
	if (error.local) return { problem: localProblem(error), release: true, cool: false };
	if (error.code === 536) {
		const p = problem("rate_limited", `the relay's frequency limit was reached (536); sending pauses for a minute`, {
			smtp,
			retryAfter: COOL_MS / 1000,
		});
		return { problem: p, release, cool: true };
	}
	const found = ((): Problem => {
		switch (error.kind) {
			case "unknown":
				return problem(
					"delivery_unknown",
					"the connection was lost after the message was sent and before the relay confirmed it: the mail may have been accepted. Do not retry blindly (that may deliver it twice); check whether it arrived first.",
					{ smtp },
				);
			case "timeout":
				return problem("relay_timeout", `the relay did not answer in time ${at}`, { smtp });
			case "tls":
				return problem("relay_tls_failed", `TLS with the relay failed ${at}`, { smtp });
			case "protocol":
				return problem("relay_protocol_error", `the relay broke the protocol ${at}`, { smtp });
			case "unavailable":
				return problem("relay_unavailable", `the relay is unavailable ${at}`, {
					smtp,
					...rejected,
					retryAfter: RETRY_UNAVAILABLE_S,
				});
			default:
				if (error.code === 552) return problem("payload_too_large", `the relay refused the size ${at}`, { smtp });
				return problem("relay_rejected", `the relay refused ${at}`, { smtp, ...rejected });
		}
	})();
	return { problem: found, release, cool: false };
}

/**
 * A refusal the SMTP client made itself, before sending anything: the relay
 * never saw the message, so it is never `relay_rejected`. The envelope comes
 * from `from` (MAIL) and from to+cc+bcc (RCPT), named as `from` and `to`.
 */
function localProblem(error: SmtpError): Problem {
	if (error.code === 552) return problem("payload_too_large", `not sent: ${error.message}`);
	const path = error.stage === "rcpt" ? "to" : "from";
	return validationProblem([{ path, message: `not sent, refused before reaching the relay: ${error.message}` }])
		.problem;
}

const settingOf: Record<string, string> = {
	host: "SMTP_HOST",
	port: "SMTP_PORT",
	security: "SMTP_SECURITY",
	user: "SMTP_USER",
	pass: "SMTP_PASS",
	ehloName: "EHLO_NAME",
	connectTimeoutMs: "SMTP_TIMEOUT_MS",
	replyTimeoutMs: "SMTP_TIMEOUT_MS",
};

/** A setting the SMTP client refused before connecting, as the setting's name. */
export function configProblem(error: SmtpConfigError): ProblemError {
	const setting = settingOf[error.field] ?? error.field;
	return new ProblemError("config_invalid", `invalid settings: ${setting}: ${error.message}`, {
		errors: [{ path: setting, message: error.message }],
	});
}
