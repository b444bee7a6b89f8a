/**
 * Fetches a `url` attachment: https only (checked by the schema, and again
 * after redirects), under a timeout and a size cap, with its media type
 * from the response. Any failure is a 422 naming the attachment.
 */
import { concatBytes } from "./bytes";
import { ApiProblem } from "./problem";

export const FETCH_TIMEOUT_MS = 10_000;

export interface FetchedAttachment {
	bytes: Uint8Array;
	type?: string;
}

export async function fetchAttachment(
	url: string,
	at: { index: number; filename: string; maxBytes: number; timeoutMs?: number },
): Promise<FetchedAttachment> {
	const fail = (reason: string) =>
		new ApiProblem("attachment_fetch_failed", `attachments[${at.index}] (${at.filename}): ${reason}`, {
			errors: [{ path: `attachments[${at.index}].url`, message: reason }],
		});
	let response: Response;
	try {
		response = await fetch(url, { signal: AbortSignal.timeout(at.timeoutMs ?? FETCH_TIMEOUT_MS), redirect: "follow" });
	} catch (error) {
		const timedOut = error instanceof DOMException && error.name === "TimeoutError";
		throw fail(timedOut ? "the fetch timed out" : "the fetch failed (no connection)");
	}
	if (!response.ok) {
		await response.body?.cancel();
		throw fail(`the server answered ${response.status}`);
	}
	if (response.url && !response.url.startsWith("https:")) {
		await response.body?.cancel();
		throw fail("it redirected away from https");
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
		if (error instanceof ApiProblem) throw error;
		throw fail("the download broke off");
	}
	const bytes = concatBytes(chunks);
	const type = response.headers.get("Content-Type")?.split(";")[0].trim();
	return type ? { bytes, type } : { bytes };
}
