/**
 * The rules of sending later (`Prefer: respond-async` over HTTP, `async`
 * over RPC, or a `sendAt`): who may, when `sendAt` may be, which bindings it
 * needs, and the answer when the backlog is full (each MessageShard keeps
 * its share of MAX_BACKLOG: accept.ts). The accepting itself is accept.ts.
 */
import type { Bindings } from "../env";
import type { AsyncBindings } from "./accept";
import type { Caller } from "./caller";
import { type Problem, ProblemError, problem } from "./problem";
import { requireStore } from "./store-access";

/** How far ahead a send may be scheduled (Resend allows the same). */
export const MAX_SCHEDULE_MS = 30 * 86_400_000;
/** Retry-After for a full backlog: by then the consumer has drained a minute's worth. */
const BACKLOG_RETRY_S = 60;

/** Public (browser) keys send synchronously only. */
export function refusePublicAsync(caller: Caller): void {
	if (caller.kind === "public") {
		throw new ProblemError("forbidden", "public keys cannot send asynchronously (Prefer: respond-async or sendAt)");
	}
}

/** The bindings async sends need, or a 500 naming the missing ones. */
export function asyncBindings(env: Bindings): AsyncBindings {
	const store = requireStore(env, "async sends");
	const { SEND_QUEUE, SPOOL } = env;
	if (SEND_QUEUE && SPOOL) return { ...store, SEND_QUEUE, SPOOL };
	const missing = Object.entries({ SEND_QUEUE, SPOOL }).flatMap(([name, v]) => (v ? [] : [name]));
	throw new ProblemError("config_invalid", `async sends need the bindings ${missing.join(", ")}`);
}

/** `sendAt` as epoch ms; a 400 beyond 30 days ahead. A past time means now. */
export function sendAtOf(sendAt: string | undefined, now: number, path = "sendAt"): number | undefined {
	if (sendAt === undefined) return undefined;
	const at = Date.parse(sendAt);
	if (at - now > MAX_SCHEDULE_MS) {
		throw new ProblemError("validation_failed", `${path} is more than 30 days ahead`, {
			errors: [{ path, message: "must be at most 30 days ahead" }],
		});
	}
	return at;
}

export const backlogFull = (): Problem =>
	problem("rate_limited", "the api_user's backlog of waiting messages is full (MAX_BACKLOG)", {
		retryAfter: BACKLOG_RETRY_S,
	});
