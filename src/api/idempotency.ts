/**
 * `Idempotency-Key` (or a webhook's `webhook-id`): the first answer is kept
 * 24 h by the IdempotencyStore object of `${caller}:${key}` and replayed with
 * `Idempotent-Replayed: true`, nothing sent again. The same key with another
 * body is 422; while the first is still running, 409. Answers that say "try
 * again later" are not kept, so a retry with the same key really retries.
 *
 * Never twice: the lease is renewed while the request runs; the routes call
 * `beforeDelivery` before they connect, after which a vanished first attempt
 * answers `delivery_unknown` rather than sending again; and the answer is
 * recorded under waitUntil, so a client hanging up cannot leave it in flight.
 */
import type { Context } from "hono";
import { LEASE_MS, MAX_BODY_CHARS, type StoredResponse } from "../limit";
import { type Problem, ProblemError, problem, retryableCodes } from "../send/problem";
import { concatBytes, hex } from "../util/bytes";
import { background } from "./background";
import { problemResponse } from "./problem-response";
import type { AppEnv } from "./types";

const KEY = /^[\x20-\x7e]{1,256}$/;
/** Renewed well before the lease runs out, so one slow store call cannot lose it. */
const RENEW_EVERY_MS = LEASE_MS / 4;

const unknownDetail =
	"an earlier request with this Idempotency-Key began delivering and did not finish: the mail may have been sent. Check whether it arrived before sending again with a new key.";

function idempotencyKey(c: Context<AppEnv>): string | undefined {
	const given = c.req.header("Idempotency-Key");
	if (given !== undefined && !KEY.test(given)) {
		throw new ProblemError("validation_failed", "Idempotency-Key must be 1 to 256 printable ASCII characters", {
			errors: [{ path: "Idempotency-Key", message: "must be 1 to 256 printable ASCII characters" }],
		});
	}
	const caller = c.get("caller");
	// The signature covers webhook-id, not Idempotency-Key: a header must never turn a captured call into a new one.
	return caller.kind === "webhook" ? caller.webhookId : given;
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

/** What is stored for an answer; one too large to keep (no route produces one) still stops a resend. */
function toStored(response: Response, body: string): StoredResponse {
	if (body.length <= MAX_BODY_CHARS) {
		const headers: Record<string, string> = {
			"Content-Type": response.headers.get("Content-Type") ?? "application/json",
		};
		// An answer's record and preference are part of it (records/).
		for (const name of ["Location", "Preference-Applied"]) {
			const value = response.headers.get(name);
			if (value !== null) headers[name] = value;
		}
		return { status: response.status, headers, body };
	}
	const p = problem(
		"delivery_unknown",
		"the first answer to this Idempotency-Key was too large to keep: it was processed; do not send it again",
	);
	return { status: p.status, headers: { "Content-Type": "application/problem+json" }, body: JSON.stringify(p) };
}

/** Tells the key's record that delivery is about to begin (a no-op without a key). Call it before connecting. */
export async function beforeDelivery(c: Context<AppEnv>): Promise<void> {
	await c.get("idempotency")?.markSending();
}

/** Runs `handle` at most once per key; problems it throws become answers (and may be kept). */
export async function idempotent(c: Context<AppEnv>, handle: () => Promise<Response>): Promise<Response> {
	const run = () =>
		handle().catch((error: unknown) => {
			if (error instanceof ProblemError) return problemResponse(error.problem);
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
	if (begun.state === "unknown") throw new ProblemError("delivery_unknown", unknownDetail);
	if (begun.state === "in_flight") {
		throw new ProblemError("idempotency_in_flight", "a request with this Idempotency-Key is still being processed");
	}
	if (begun.state === "mismatch") {
		throw new ProblemError("idempotency_key_reused", "this Idempotency-Key was first used with a different request");
	}
	c.set("idempotency", {
		markSending: () => store.markSending(print),
		identity: { caller: c.get("caller").id, key, since: begun.since },
	});
	const renewal = setInterval(() => background(c, store.renew(print)), RENEW_EVERY_MS);
	// Under waitUntil: the record is settled even when the client hangs up mid-request.
	const work = (async () => {
		let response: Response;
		try {
			response = await run();
		} catch (error) {
			await store.abandon(print);
			throw error;
		} finally {
			clearInterval(renewal);
		}
		const body = await response.clone().text();
		// A "try again" answer means nothing went out: the key is free for the retry.
		if (worthKeeping(response, body)) await store.complete(print, toStored(response, body));
		else await store.abandon(print, true);
		return response;
	})();
	background(c, work);
	return work;
}
