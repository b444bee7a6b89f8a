/**
 * `Idempotency-Key` (or a webhook's `webhook-id`): the first answer is kept
 * 24 h by the IdempotencyStore object of `${caller}:${key}` and replayed with
 * `Idempotent-Replayed: true`, nothing sent again. The same key with another
 * body is 422; while the first is still running, 409. Answers that say "try
 * again later" are not kept, so a retry with the same key really retries.
 */
import type { Context } from "hono";
import { MAX_BODY_CHARS } from "../limit";
import { concatBytes, hex } from "./bytes";
import { ApiProblem, type Problem, problemResponse, retryableCodes } from "./problem";
import type { AppEnv } from "./types";

const KEY = /^[\x20-\x7e]{1,255}$/;

function idempotencyKey(c: Context<AppEnv>): string | undefined {
	const given = c.req.header("Idempotency-Key");
	if (given !== undefined) {
		if (!KEY.test(given)) {
			throw new ApiProblem("validation_failed", "Idempotency-Key must be 1 to 255 printable ASCII characters", {
				errors: [{ path: "Idempotency-Key", message: "must be 1 to 255 printable ASCII characters" }],
			});
		}
		return given;
	}
	const caller = c.get("caller");
	return caller.kind === "webhook" ? caller.webhookId : undefined;
}

async function fingerprint(c: Context<AppEnv>): Promise<string> {
	const head = new TextEncoder().encode(`${c.req.method} ${c.req.path}\n`);
	const body = new Uint8Array(await c.req.arrayBuffer());
	return hex(new Uint8Array(await crypto.subtle.digest("SHA-256", concatBytes([head, body]))));
}

/** Whether an answer (`body` is its text) is final, kept and replayed, rather than "try again". */
function worthKeeping(response: Response, body: string): boolean {
	if (response.status < 400) return true;
	if (!response.headers.get("Content-Type")?.startsWith("application/problem+json")) return false;
	return !retryableCodes.has((JSON.parse(body) as Problem).code);
}

/** Runs `handle` at most once per key; problems it throws become answers (and may be kept). */
export async function idempotent(c: Context<AppEnv>, handle: () => Promise<Response>): Promise<Response> {
	const run = () =>
		handle().catch((error: unknown) => {
			if (error instanceof ApiProblem) return problemResponse(error.problem);
			throw error;
		});
	const key = idempotencyKey(c);
	if (key === undefined) return run();
	const store = c.env.IDEMPOTENCY.get(c.env.IDEMPOTENCY.idFromName(`${c.get("caller").id}:${key}`));
	const print = await fingerprint(c);
	const begun = await store.begin(print);
	if (begun.state === "replay") {
		c.get("log").replayed = true;
		const headers = new Headers(begun.response.headers);
		headers.set("Idempotent-Replayed", "true");
		return new Response(begun.response.body, { status: begun.response.status, headers });
	}
	if (begun.state === "in_flight") {
		throw new ApiProblem("idempotency_in_flight", "a request with this Idempotency-Key is still being processed");
	}
	if (begun.state === "mismatch") {
		throw new ApiProblem("idempotency_key_reused", "this Idempotency-Key was first used with a different request");
	}
	let response: Response;
	try {
		response = await run();
	} catch (error) {
		await store.abandon(print);
		throw error;
	}
	const body = await response.clone().text();
	// A body longer than the store keeps: that answer is simply not replayable.
	if (worthKeeping(response, body) && body.length <= MAX_BODY_CHARS) {
		const headers: Record<string, string> = {
			"Content-Type": response.headers.get("Content-Type") ?? "application/json",
		};
		// An async answer's record and preference are part of it (records/).
		for (const name of ["Location", "Preference-Applied"]) {
			const value = response.headers.get(name);
			if (value !== null) headers[name] = value;
		}
		await store.complete(print, { status: response.status, headers, body });
	} else {
		await store.abandon(print);
	}
	return response;
}
