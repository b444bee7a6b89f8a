/**
 * The recovery test's calls to edgesend, as a user makes them: async sends
 * (`Prefer: respond-async`, optionally scheduled with `sendAt`) and every
 * page of `GET /v1/messages` read with the API key.
 */

export interface Api {
	url: string;
	apiKey: string;
}

export interface Accepted {
	ref: string;
	messageId: string;
	to: string[];
	sendAt: number | null;
}

/** The fields of a listed record the checks read. */
export interface ListedRecord {
	ref: string;
	status: string;
	messageId: string;
	to: string[];
}

const TIMEOUT_MS = 30_000;

export async function sendAsync(
	api: Api,
	message: { from: string; to: string[]; subject: string; text: string; sendAt?: string },
): Promise<Accepted> {
	const res = await fetch(new URL("/v1/send", api.url), {
		method: "POST",
		headers: {
			authorization: `Bearer ${api.apiKey}`,
			"content-type": "application/json",
			prefer: "respond-async",
		},
		body: JSON.stringify(message),
		signal: AbortSignal.timeout(TIMEOUT_MS),
	});
	const text = await res.text();
	if (res.status !== 202) throw new Error(`POST /v1/send answered ${res.status}: ${text}`);
	const { ref, messageId } = JSON.parse(text) as { ref?: unknown; messageId?: unknown };
	if (typeof ref !== "string" || typeof messageId !== "string") throw new Error(`no ref or messageId in ${text}`);
	return { ref, messageId, to: message.to, sendAt: message.sendAt ? Date.parse(message.sendAt) : null };
}

/** Every record of the key (or those with `status`), newest first, a page of 100 at a time. */
export async function listAll(api: Api, status?: string): Promise<ListedRecord[]> {
	const records: ListedRecord[] = [];
	let cursor: string | null = null;
	do {
		const query = new URLSearchParams({ limit: "100" });
		if (status) query.set("status", status);
		if (cursor) query.set("cursor", cursor);
		const res = await fetch(new URL(`/v1/messages?${query}`, api.url), {
			headers: { authorization: `Bearer ${api.apiKey}` },
			signal: AbortSignal.timeout(TIMEOUT_MS),
		});
		const text = await res.text();
		if (res.status !== 200) throw new Error(`GET /v1/messages answered ${res.status}: ${text}`);
		const page = JSON.parse(text) as { messages: ListedRecord[]; cursor: string | null };
		records.push(...page.messages);
		cursor = page.cursor;
	} while (cursor);
	return records;
}
