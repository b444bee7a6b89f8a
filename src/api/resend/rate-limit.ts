/**
 * Rate-limit headers as Resend sends them (draft-ietf-httpapi-ratelimit-headers-06's
 * separate fields, which resend-go reads on a 429): `ratelimit-limit`,
 * `ratelimit-remaining`, `ratelimit-reset` (seconds until the window is
 * clear). The figures are the api_user's sliding 60 s window, the same ones
 * the `RateLimit`/`RateLimit-Policy` fields of /v1/* carry.
 */
import type { LimitState } from "../../send/limiter";

export function resendRateLimitFields(state: LimitState): Record<string, string> {
	return {
		"ratelimit-limit": String(state.limit),
		"ratelimit-remaining": String(Math.max(0, state.remaining)),
		"ratelimit-reset": String(Math.max(0, Math.ceil(state.resetInMs / 1000))),
	};
}
