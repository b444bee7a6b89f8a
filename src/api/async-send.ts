/**
 * What /v1/send and /v1/batch share for async sends (`Prefer: respond-async`
 * or a `sendAt`): who may, when `sendAt` may be, the backlog cap, and the
 * `Location` of a record. The accepting itself is records/accept.ts.
 */
import type { Context } from "hono";
import { type Accepted, type AsyncBindings, acceptAsync, type Sender } from "../records/accept";
import { backlogOf } from "../store/messages";
import { ApiProblem, type Problem, problem } from "./problem";
import type { MessageBody } from "./schemas";
import type { Prepared } from "./send-path";
import type { AppEnv } from "./types";

const MAX_SCHEDULE_MS = 30 * 86_400_000;
/** Retry-After for a full backlog: by then the consumer has drained a minute's worth. */
const BACKLOG_RETRY_S = 60;

export const locationOf = (ref: string) => `/v1/messages/${ref}`;

/** RFC 7240: `Prefer: respond-async` (among other preferences, any case). */
export const prefersAsync = (c: Context<AppEnv>): boolean =>
	(c.req.header("Prefer") ?? "").split(",").some((p) => p.split(";")[0]?.trim().toLowerCase() === "respond-async");

/** Public (browser) keys send synchronously only. */
export function refusePublicAsync(c: Context<AppEnv>): void {
	if (c.get("caller").kind === "public") {
		throw new ApiProblem("forbidden", "public keys cannot send asynchronously (Prefer: respond-async or sendAt)");
	}
}

/** The bindings async sends need, or a 500 naming the missing ones. */
export function asyncBindings(c: Context<AppEnv>): AsyncBindings {
	const { DB, SEND_QUEUE, SPOOL } = c.env;
	if (DB && SEND_QUEUE && SPOOL) return { DB, SEND_QUEUE, SPOOL };
	const missing = Object.entries({ DB, SEND_QUEUE, SPOOL }).flatMap(([name, v]) => (v ? [] : [name]));
	throw new ApiProblem("config_invalid", `async sends need the bindings ${missing.join(", ")}`);
}

/** `sendAt` as epoch ms; a 400 beyond 30 days ahead. A past time means now. */
export function sendAtOf(body: MessageBody, now: number, path = "sendAt"): number | undefined {
	if (body.sendAt === undefined) return undefined;
	const at = Date.parse(body.sendAt);
	if (at - now > MAX_SCHEDULE_MS) {
		throw new ApiProblem("validation_failed", `${path} is more than 30 days ahead`, {
			errors: [{ path, message: "must be at most 30 days ahead" }],
		});
	}
	return at;
}

export const senderOf = (c: Context<AppEnv>): Sender => ({
	owner: c.get("caller").id,
	apiUser: c.get("config").smtp.user,
	ehloName: c.get("config").smtp.ehloName,
});

/** How many of `wanted` new messages fit in the api_user's backlog. */
export async function backlogRoom(c: Context<AppEnv>, db: D1Database, wanted: number): Promise<number> {
	const max = c.get("config").records.maxBacklog;
	const waiting = await backlogOf(db, c.get("config").smtp.user);
	return Math.max(0, Math.min(wanted, max - waiting));
}

export const backlogFull = (): Problem =>
	problem("rate_limited", "the api_user's backlog of waiting messages is full (MAX_BACKLOG)", {
		retryAfter: BACKLOG_RETRY_S,
	});

/** Accepts one prepared message for async delivery. */
export const accept = (c: Context<AppEnv>, env: AsyncBindings, prepared: Prepared, now: number): Promise<Accepted> =>
	acceptAsync(env, senderOf(c), prepared, sendAtOf(prepared.body, now), now);

/** The answer's headers for an accepted async send. */
export function acceptedHeaders(c: Context<AppEnv>, ref?: string): void {
	c.header("Preference-Applied", "respond-async");
	if (ref) c.header("Location", locationOf(ref));
}
