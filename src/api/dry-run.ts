/**
 * `?dryRun=true` on /v1/send and /v1/batch (and `options.dryRun` over RPC):
 * the message is validated, its url attachments fetched and it is composed
 * exactly as for sending, and the answer shows what would go out: envelope,
 * AUTH user (never the secret), Message-ID, warnings and the exact bytes.
 * No permit is taken, no connection opened, nothing recorded or kept for an
 * Idempotency-Key (a dry run changes nothing, so there is nothing to replay).
 */
import type { Context } from "hono";
import type { Config } from "../config";
import { concatBytes } from "../util/bytes";
import { ApiProblem } from "./problem";
import type { Prepared } from "./send-path";
import { smtpConfigFor } from "./send-path";
import type { AppEnv } from "./types";

export interface DryRun {
	dryRun: true;
	size: number;
	envelope: { from: string; to: string[] };
	authUser: string;
	messageId: string;
	warnings: Prepared["composed"]["warnings"];
	/** The exact bytes that would be sent (ASCII, or UTF-8 when an address needs SMTPUTF8). */
	mime: string;
}

/** Whether the request asks for a dry run; `?dryRun=` must be true or false. */
export function isDryRun(c: Context<AppEnv>): boolean {
	const value = c.req.query("dryRun");
	if (value === undefined || value === "false") return false;
	if (value !== "true") {
		throw new ApiProblem("validation_failed", "dryRun must be true or false", {
			errors: [{ path: "dryRun", message: "must be true or false" }],
		});
	}
	// Unmetered composing (and fetching of url attachments) is for server-side callers only.
	if (c.get("caller").kind === "public") throw new ApiProblem("forbidden", "a public key may not make a dry run");
	return true;
}

/** The message's bytes, read from its stream. */
export async function messageBytes(prepared: Prepared): Promise<Uint8Array> {
	const chunks: Uint8Array[] = [];
	for await (const chunk of prepared.composed.body()) chunks.push(chunk);
	return concatBytes(chunks);
}

export async function dryRunOf(prepared: Prepared, config: Config): Promise<DryRun> {
	const { composed } = prepared;
	return {
		dryRun: true,
		size: composed.size,
		envelope: { from: composed.envelope.from, to: [...composed.envelope.to] },
		authUser: smtpConfigFor(config, prepared.labelId).user,
		messageId: composed.messageId,
		warnings: composed.warnings,
		mime: new TextDecoder().decode(await messageBytes(prepared)),
	};
}

/** Whether the caller asked for the raw message rather than JSON. */
export const wantsRawMessage = (c: Context<AppEnv>): boolean =>
	/(^|,)\s*message\/rfc822\s*(;|,|$)/i.test(c.req.header("Accept") ?? "");
