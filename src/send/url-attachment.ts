/**
 * Fetches a `url` attachment: https only, under a timeout and a size cap,
 * with its media type from the response. Redirects are followed by hand, at
 * most MAX_REDIRECTS hops, each checked to be https before it is requested
 * (a plaintext request never goes out) and each counted against the
 * request's fetch budget. A failure that may pass (timeout, no connection,
 * 5xx, 408, 429, a broken download) is 503 `attachment_unavailable`, never
 * kept for an Idempotency-Key; any other is a final 422. Both name the
 * attachment.
 */
import { concatBytes } from "../util/bytes";
import { ProblemError } from "./problem";

export const FETCH_TIMEOUT_MS = 10_000;
export const MAX_REDIRECTS = 3;
/**
 * Fetches (redirects included) one request may make: room for a batch of 100
 * messages with one url each, under the paid plan's subrequest limit.
 */
export const MAX_FETCHES_PER_REQUEST = 100;

/** How many fetches the request has left; one per request, shared by its attachments. */
export class FetchBudget {
	constructor(public left = MAX_FETCHES_PER_REQUEST) {}
}

export interface FetchedAttachment {
	bytes: Uint8Array;
	type?: string;
}

const passing = (status: number) => status >= 500 || status === 408 || status === 429;

export async function fetchAttachment(
	url: string,
	at: { index: number; filename: string; maxBytes: number; budget: FetchBudget; timeoutMs?: number },
): Promise<FetchedAttachment> {
	const problem = (code: "attachment_fetch_failed" | "attachment_unavailable", reason: string) =>
		new ProblemError(code, `attachments[${at.index}] (${at.filename}): ${reason}`, {
			errors: [{ path: `attachments[${at.index}].url`, message: reason }],
		});
	const fail = (reason: string) => problem("attachment_fetch_failed", reason);
	const later = (reason: string) => problem("attachment_unavailable", reason);
	const signal = AbortSignal.timeout(at.timeoutMs ?? FETCH_TIMEOUT_MS);
	let response: Response | undefined;
	let target = new URL(url);
	for (let hop = 0; ; hop++) {
		if (target.protocol !== "https:") throw fail("it redirected away from https");
		if (at.budget.left <= 0) {
			throw fail(`this request used up its ${MAX_FETCHES_PER_REQUEST} fetches (redirects included)`);
		}
		at.budget.left--;
		try {
			response = await fetch(target, { signal, redirect: "manual" });
		} catch (error) {
			const timedOut = error instanceof DOMException && error.name === "TimeoutError";
			throw later(timedOut ? "the fetch timed out" : "the fetch failed (no connection)");
		}
		const location = response.headers.get("Location");
		if (response.status < 300 || response.status > 399 || location === null) break;
		await response.body?.cancel();
		if (hop === MAX_REDIRECTS) throw fail(`it redirected more than ${MAX_REDIRECTS} times`);
		if (!URL.canParse(location, target)) throw fail("it redirected to an address that is not a URL");
		target = new URL(location, target);
	}
	if (!response.ok) {
		await response.body?.cancel();
		const reason = `the server answered ${response.status}`;
		throw passing(response.status) ? later(reason) : fail(reason);
	}
	const length = Number(response.headers.get("Content-Length") ?? Number.NaN);
	if (length > at.maxBytes) {
		await response.body?.cancel();
		throw fail(`it is larger than the ${at.maxBytes} bytes left for this message`);
	}
	const chunks: Uint8Array[] = [];
	let size = 0;
	try {
		for await (const chunk of response.body ?? []) {
			size += chunk.length;
			if (size > at.maxBytes) throw fail(`it is larger than the ${at.maxBytes} bytes left for this message`);
			chunks.push(chunk);
		}
	} catch (error) {
		if (error instanceof ProblemError) throw error;
		throw later("the download broke off");
	}
	const bytes = concatBytes(chunks);
	const type = response.headers.get("Content-Type")?.split(";")[0].trim();
	return type ? { bytes, type } : { bytes };
}
