/**
 * What an async send looks like over HTTP: `Prefer: respond-async`
 * (RFC 7240) asks for one, and a 202 says `Preference-Applied` and where the
 * record is (`Location`). The rules and the accepting are the send path's
 * (send/async-rules.ts, send/accept.ts).
 */
import type { Context } from "hono";
import type { AppEnv } from "./types";

export const locationOf = (ref: string) => `/v1/messages/${ref}`;

/** RFC 7240: `Prefer: respond-async` (among other preferences, any case). */
export const prefersAsync = (c: Context<AppEnv>): boolean =>
	(c.req.header("Prefer") ?? "").split(",").some((p) => p.split(";")[0]?.trim().toLowerCase() === "respond-async");

/** The answer's headers for an accepted async send. */
export function acceptedHeaders(c: Context<AppEnv>, ref?: string): void {
	c.header("Preference-Applied", "respond-async");
	if (ref) c.header("Location", locationOf(ref));
}
