/**
 * The provider's REST route: one `POST /v1/mail/send` with Basic
 * api_user:api_key, its answer read as a delivery or a typed RestError.
 *
 * Never twice: whether the provider may have the message decides everything
 * after a failure. A definite answer says so (a 4xx, 502 or 503: not sent;
 * 2xx: sent). A 500, a 504, no answer in time, or a failed connection may
 * follow a request the provider took: workerd's fetch reports a refused
 * connection and one cut after the body went out alike ("Network connection
 * lost", `retryable: true` for both, the body read either way), so those are
 * all "unknown" here. A REST route that is down therefore answers
 * delivery_unknown for the sends that meet it, and its breaker (which counts
 * them as the route's failures) sends the next ones elsewhere without trying it.
 */
import { encodeBase64 } from "../util/bytes";
import type { EngageLabMail } from "./rest-request";

export interface RestTarget {
	/** The API's origin (ENGAGELAB_REST_URL), no trailing slash. */
	url: string;
	user: string;
	pass: string;
	/** The whole exchange; default 30 s, as the SMTP client's reply timeout. */
	timeoutMs?: number;
}

export interface RestDelivery {
	/** The provider's id of the request: `email_ids[0]` without its `<index>$<recipient>`, as its callbacks name it. */
	id: string;
	/** One per recipient, as answered. */
	emailIds: string[];
}

/**
 * - `rejected`: the provider refused the request (4xx): the message's fault, or the settings';
 * - `auth`: 401/403: the credentials;
 * - `limit`: 429: the api_user's frequency limit;
 * - `unavailable`: 502 or 503: the provider did not take it;
 * - `unknown`: no clear answer (500, 504, no answer in time, a failed connection): it may have been taken.
 */
export type RestErrorKind = "rejected" | "auth" | "limit" | "unavailable" | "unknown";

export class RestError extends Error {
	override readonly name = "RestError";
	constructor(
		message: string,
		readonly kind: RestErrorKind,
		readonly detail: {
			/** The HTTP status, when one came. */
			status?: number;
			/** The provider's own error code (`{code, message}` bodies). */
			code?: number;
			/** The provider's message, when it sent one. */
			reply?: string;
			/** The provider may have accepted the message. */
			maybeSent: boolean;
		},
	) {
		super(message);
	}
}

export const REST_PATH = "/v1/mail/send";
const DEFAULT_TIMEOUT_MS = 30_000;

/** Sends `mail`; throws RestError. */
export async function sendRest(target: RestTarget, mail: EngageLabMail): Promise<RestDelivery> {
	const timeoutMs = target.timeoutMs ?? DEFAULT_TIMEOUT_MS;
	const where = `${target.url}${REST_PATH}`;
	const signal = AbortSignal.timeout(timeoutMs);
	let response: Response;
	try {
		response = await fetch(where, {
			method: "POST",
			headers: {
				Authorization: `Basic ${encodeBase64(new TextEncoder().encode(`${target.user}:${target.pass}`))}`,
				"Content-Type": "application/json;charset=utf-8",
				Accept: "application/json",
			},
			body: JSON.stringify(mail),
			signal,
		});
	} catch (error) {
		const why = signal.aborted
			? `no answer within ${timeoutMs} ms`
			: error instanceof Error
				? error.message
				: String(error);
		throw new RestError(`${where}: ${why}: the message may have been accepted`, "unknown", { maybeSent: true });
	}
	let text: string;
	try {
		text = await response.text();
	} catch (error) {
		throw new RestError(`${where}: the answer was cut (${error instanceof Error ? error.message : error})`, "unknown", {
			status: response.status,
			maybeSent: response.ok || response.status >= 500,
		});
	}
	return readAnswer(where, response.status, text);
}

/** The provider's answer as a delivery, or the RestError it means. */
export function readAnswer(where: string, status: number, text: string): RestDelivery {
	const json = parseJson(text);
	if (status >= 200 && status < 300) {
		const ids = json && Array.isArray(json.email_ids) ? json.email_ids.filter((id) => typeof id === "string") : [];
		if (!ids.length) {
			throw new RestError(`${where}: ${status} without email_ids: the message may have been accepted`, "unknown", {
				status,
				maybeSent: true,
			});
		}
		return { id: requestIdOf(ids[0] as string), emailIds: ids as string[] };
	}
	const code = typeof json?.code === "number" ? json.code : undefined;
	const reply = typeof json?.message === "string" ? json.message.slice(0, 500) : text.slice(0, 200) || undefined;
	const said = `${where}: ${status}${code === undefined ? "" : ` (${code})`}${reply ? ` ${reply}` : ""}`;
	const detail = { status, ...(code === undefined ? {} : { code }), ...(reply === undefined ? {} : { reply }) };
	if (status === 429)
		throw new RestError(`${said}: the api_user's frequency limit`, "limit", { ...detail, maybeSent: false });
	if (status === 401 || status === 403) {
		throw new RestError(`${said}: the provider refused the credentials`, "auth", { ...detail, maybeSent: false });
	}
	if (status === 502 || status === 503) {
		throw new RestError(`${said}: the provider is unavailable`, "unavailable", { ...detail, maybeSent: false });
	}
	if (status >= 500) {
		throw new RestError(`${said}: the message may have been accepted`, "unknown", { ...detail, maybeSent: true });
	}
	throw new RestError(`${said}: the provider refused the message`, "rejected", { ...detail, maybeSent: false });
}

/** `<id><index>$<recipient>` → `<id>`: the provider's callbacks carry `<id>` as message_id. */
export function requestIdOf(emailId: string, index = 0): string {
	const dollar = emailId.lastIndexOf("$");
	if (dollar < 0) return emailId;
	const head = emailId.slice(0, dollar);
	const suffix = String(index);
	return head.endsWith(suffix) ? head.slice(0, -suffix.length) : head;
}

function parseJson(text: string): Record<string, unknown> | undefined {
	try {
		const value: unknown = JSON.parse(text);
		return value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
	} catch {
		return undefined;
	}
}
