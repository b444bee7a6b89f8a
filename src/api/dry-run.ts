/**
 * `?dryRun=true` on /v1/send and /v1/batch, and `Accept: message/rfc822` for
 * a dry run's raw bytes. What a dry run is, is the send path's
 * (send/dry-run.ts). It is handled outside `idempotent()`: Idempotency-Key
 * fingerprints cover the path and not the query, and a dry run must never be
 * replayed in place of a send.
 */
import type { Context } from "hono";
import { ProblemError } from "../send/problem";
import type { AppEnv } from "./types";

/** Whether the request asks for a dry run; `?dryRun=` must be true or false. */
export function isDryRun(c: Context<AppEnv>): boolean {
	const value = c.req.query("dryRun");
	if (value === undefined || value === "false") return false;
	if (value !== "true") {
		throw new ProblemError("validation_failed", "dryRun must be true or false", {
			errors: [{ path: "dryRun", message: "must be true or false" }],
		});
	}
	// Unmetered composing (and fetching of url attachments) is for server-side callers only.
	if (c.get("caller").kind === "public") throw new ProblemError("forbidden", "a public key may not make a dry run");
	return true;
}

/** Whether the caller asked for the raw message rather than JSON. */
export const wantsRawMessage = (c: Context<AppEnv>): boolean =>
	/(^|,)\s*message\/rfc822\s*(;|,|$)/i.test(c.req.header("Accept") ?? "");
