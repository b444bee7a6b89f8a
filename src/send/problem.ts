/**
 * The outcome model for failures, as plain data: every failure of the send
 * path is a Problem (RFC 9457's fields) with a stable machine `code`, built
 * here from the code table so status, title and Retry-After never disagree.
 * How a door renders one is the door's business (api/problem-response.ts:
 * application/problem+json; the RPC door: EdgeSendError).
 */
import type { FieldError } from "../util/field-path";

export const problemCodes = {
	validation_failed: { status: 400, title: "The request is not valid" },
	unauthorized: { status: 401, title: "Missing or invalid credentials" },
	callback_unsigned: { status: 401, title: "The provider callback carries no signature" },
	callback_signature_invalid: { status: 401, title: "The provider callback's signature is not valid" },
	callback_stale: { status: 401, title: "The provider callback's timestamp is outside the allowed window" },
	callback_replayed: { status: 401, title: "This signature was already used with another body" },
	forbidden: { status: 403, title: "Not allowed for this caller" },
	not_found: { status: 404, title: "No such route" },
	suppression_not_found: { status: 404, title: "This address is not suppressed" },
	message_not_found: { status: 404, title: "No such message" },
	idempotency_in_flight: { status: 409, title: "A request with this Idempotency-Key is still in flight" },
	message_not_cancelable: { status: 409, title: "The message is already being sent or is final" },
	payload_too_large: { status: 413, title: "The request or the message is too large" },
	unsupported_media_type: { status: 415, title: "The body must be application/json" },
	idempotency_key_reused: { status: 422, title: "This Idempotency-Key was used with a different request" },
	attachment_fetch_failed: { status: 422, title: "An attachment could not be fetched" },
	recipient_suppressed: { status: 422, title: "Every recipient is on the suppression list" },
	rate_limited: { status: 429, title: "Too many messages" },
	config_invalid: { status: 500, title: "The service is misconfigured" },
	internal_error: { status: 500, title: "Internal error" },
	relay_rejected: { status: 502, title: "The relay refused the message" },
	relay_tls_failed: { status: 502, title: "TLS with the relay failed" },
	relay_protocol_error: { status: 502, title: "The relay broke the SMTP protocol" },
	delivery_unknown: { status: 502, title: "Delivery outcome unknown" },
	relay_unavailable: { status: 503, title: "The relay is unavailable" },
	attachment_unavailable: { status: 503, title: "An attachment's server did not answer; try again" },
	relay_timeout: { status: 504, title: "The relay did not answer in time" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof problemCodes;

/** Answers that mean "not done, try again": never kept for an Idempotency-Key. */
export const retryableCodes: ReadonlySet<string> = new Set<ProblemCode>([
	"idempotency_in_flight",
	"rate_limited",
	"config_invalid",
	"internal_error",
	"relay_tls_failed",
	"relay_protocol_error",
	"relay_unavailable",
	"relay_timeout",
	"attachment_unavailable",
]);

export interface SmtpDetail {
	stage: string;
	code?: number;
	enhancedCode?: string;
	reply?: string;
}

export interface Problem {
	type: string;
	title: string;
	status: number;
	detail: string;
	code: ProblemCode;
	errors?: FieldError[];
	smtp?: SmtpDetail;
	rejected?: Rejected[];
	/** Seconds, on 429 and 503 (the same number as the Retry-After header). */
	retryAfter?: number;
}

/** A recipient that was refused: by the relay (an SMTP code), or by us before the relay (a problem code). */
export interface Rejected {
	address: string;
	code: number | "recipient_suppressed";
	enhancedCode?: string;
	reply: string;
}

export type ProblemExtras = Partial<Pick<Problem, "errors" | "smtp" | "rejected" | "retryAfter">>;

/** Builds the document for a code. */
export function problem(code: ProblemCode, detail: string, extras: ProblemExtras = {}): Problem {
	const { status, title } = problemCodes[code];
	const retryAfter = status === 429 || status === 503 ? Math.max(1, Math.ceil(extras.retryAfter ?? 30)) : undefined;
	return {
		type: `urn:edgesend:problem:${code}`,
		title,
		status,
		detail,
		code,
		...extras,
		...(retryAfter === undefined ? {} : { retryAfter }),
	};
}

/** A problem thrown from anywhere in the send path (or a door); the door answers it. */
export class ProblemError extends Error {
	override readonly name = "ProblemError";
	readonly problem: Problem;

	constructor(code: ProblemCode, detail: string, extras: ProblemExtras = {}) {
		super(detail);
		this.problem = problem(code, detail, extras);
	}

	/** Throws an already-built problem. */
	static of(p: Problem): ProblemError {
		return new ProblemError(p.code, p.detail, p);
	}
}

/** A 400 listing each bad field. */
export const validationProblem = (errors: FieldError[]): ProblemError =>
	new ProblemError(
		"validation_failed",
		`${errors.length} invalid field${errors.length === 1 ? "" : "s"}: ${errors.map((e) => e.path || "(body)").join(", ")}`,
		{ errors },
	);
