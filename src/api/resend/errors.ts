/**
 * Every edgesend problem in Resend's error shape, `{statusCode, message,
 * name}`: what the `resend` SDKs hand their callers as `error`. The name is
 * one of those the Node SDK's types list (so a typed `switch (error.name)`
 * covers it; docs/coming-from-resend.md has the table); the status
 * is Resend's for that name where the meaning is the same, and ours where
 * Resend has no such failure (a relay that refused or did not answer keeps its
 * 502/503/504, so a retrying client still tells "no" from "not now"). Answers
 * are `application/json`: resend-go reads an error body only under that type.
 */
import type { Problem, ProblemCode } from "../../send/problem";

export type ResendErrorName =
	| "validation_error"
	| "missing_required_field"
	| "missing_api_key"
	| "invalid_api_key"
	| "restricted_api_key"
	| "security_error"
	| "not_found"
	| "method_not_allowed"
	| "concurrent_idempotent_requests"
	| "invalid_idempotent_request"
	| "invalid_idempotency_key"
	| "invalid_attachment"
	| "invalid_parameter"
	| "rate_limit_exceeded"
	| "application_error";

export interface ResendError {
	statusCode: number;
	message: string;
	name: ResendErrorName;
}

/** The Resend name and status of each edgesend problem code. */
export const resendErrorOf: Record<ProblemCode, { name: ResendErrorName; statusCode: number }> = {
	validation_failed: { name: "validation_error", statusCode: 400 },
	// A key that is there but wrong: Resend answers 403 invalid_api_key (no key at all: missingKey below).
	unauthorized: { name: "invalid_api_key", statusCode: 403 },
	callback_unsigned: { name: "security_error", statusCode: 401 },
	callback_signature_invalid: { name: "security_error", statusCode: 401 },
	callback_stale: { name: "security_error", statusCode: 401 },
	callback_replayed: { name: "security_error", statusCode: 401 },
	forbidden: { name: "restricted_api_key", statusCode: 403 },
	not_found: { name: "not_found", statusCode: 404 },
	suppression_not_found: { name: "not_found", statusCode: 404 },
	message_not_found: { name: "not_found", statusCode: 404 },
	idempotency_in_flight: { name: "concurrent_idempotent_requests", statusCode: 409 },
	message_not_cancelable: { name: "validation_error", statusCode: 422 },
	payload_too_large: { name: "validation_error", statusCode: 413 },
	unsupported_media_type: { name: "validation_error", statusCode: 415 },
	idempotency_key_reused: { name: "invalid_idempotent_request", statusCode: 409 },
	attachment_fetch_failed: { name: "invalid_attachment", statusCode: 422 },
	recipient_suppressed: { name: "validation_error", statusCode: 422 },
	rate_limited: { name: "rate_limit_exceeded", statusCode: 429 },
	config_invalid: { name: "application_error", statusCode: 500 },
	internal_error: { name: "application_error", statusCode: 500 },
	relay_rejected: { name: "application_error", statusCode: 502 },
	relay_tls_failed: { name: "application_error", statusCode: 502 },
	relay_protocol_error: { name: "application_error", statusCode: 502 },
	delivery_unknown: { name: "application_error", statusCode: 502 },
	relay_unavailable: { name: "application_error", statusCode: 503 },
	attachment_unavailable: { name: "application_error", statusCode: 503 },
	relay_timeout: { name: "application_error", statusCode: 504 },
};

/** No Authorization header at all is Resend's 401 missing_api_key, not a wrong key. */
export const missingKey: ResendError = {
	statusCode: 401,
	name: "missing_api_key",
	message: "Missing API key in the authorization header: Authorization: Bearer <one of API_KEYS>",
};

const IDEMPOTENCY_KEY = "Idempotency-Key";

/**
 * The Resend error for a problem. A bad Idempotency-Key is Resend's own
 * `invalid_idempotency_key`. Its message is the problem's detail, then
 * each field error (`to[0]: …`), with paths already in the caller's names
 * (`rename` turns ours into Resend's: `replyTo` → `reply_to`…), and, when the
 * relay spoke, its reply.
 */
export function toResendError(p: Problem, rename: (path: string) => string = (path) => path): ResendError {
	const badKey =
		p.code === "validation_failed" && p.errors?.length && p.errors.every((e) => e.path === IDEMPOTENCY_KEY);
	const { name, statusCode } = badKey
		? { name: "invalid_idempotency_key" as const, statusCode: 400 }
		: resendErrorOf[p.code];
	const fields = (p.errors ?? []).map((e) => `${e.path ? rename(e.path) : "(body)"}: ${e.message}`);
	const relay = p.smtp?.reply ? [`the relay said: ${p.smtp.reply}`] : [];
	const detail = p.code === "validation_failed" && fields.length ? "" : p.detail;
	return { statusCode, name, message: [detail, ...fields, ...relay].filter(Boolean).join("; ") };
}

/** The HTTP answer for a Resend error (Retry-After kept from the problem when it has one). */
export function resendErrorResponse(error: ResendError, retryAfter?: number): Response {
	const headers = new Headers({ "Content-Type": "application/json" });
	if (retryAfter !== undefined) headers.set("Retry-After", String(retryAfter));
	return new Response(JSON.stringify(error), { status: error.statusCode, headers });
}
