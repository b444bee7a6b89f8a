/**
 * The end-to-end test's calls to the worker started by `npm run dev`: with
 * the API key its banner printed, JSON in, the answer's status, headers and
 * JSON body out; and the message record behind a ref.
 */
import type { WorkerRecord } from "../../dev/inbox/records.ts";
import type { DevBanner } from "./dev-process.ts";

export interface Answer {
	status: number;
	headers: Headers;
	/** The JSON object answered; empty when the answer was not one. */
	body: Record<string, unknown>;
	/** The answer as sent, for the checks' messages. */
	text: string;
}

export async function callWorker(
	banner: DevBanner,
	path: string,
	{ method = "GET", json, headers = {} }: { method?: string; json?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
	const res = await fetch(new URL(path, banner.workerUrl), {
		method,
		headers: {
			authorization: `Bearer ${banner.apiKey}`,
			...(json === undefined ? {} : { "content-type": "application/json" }),
			...headers,
		},
		body: json === undefined ? undefined : JSON.stringify(json),
		signal: AbortSignal.timeout(30_000),
	});
	const text = await res.text();
	let body: Record<string, unknown> = {};
	try {
		const parsed: unknown = JSON.parse(text);
		if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
	} catch {
		// Not JSON: the checks show the text.
	}
	return { status: res.status, headers: res.headers, body, text };
}

/** What `GET /v1/messages/{ref}` shows: a listed record and its events (the fields the checks read). */
export type MessageRecord = WorkerRecord & {
	events: { type: string; at: string; detail?: { recipient?: string | null; detail?: string | null } }[];
};

export async function getRecord(banner: DevBanner, ref: string): Promise<MessageRecord> {
	const answer = await callWorker(banner, `/v1/messages/${ref}`);
	if (answer.status !== 200) throw new Error(`GET /v1/messages/${ref} answered ${answer.status}`);
	return answer.body as unknown as MessageRecord;
}
