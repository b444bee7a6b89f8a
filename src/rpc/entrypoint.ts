/**
 * The RPC door: `class EdgeSend extends WorkerEntrypoint`, bound by other
 * Workers as `services = [{ binding = "EMAIL", service = "edgesend",
 * entrypoint = "EdgeSend" }]` and called like Cloudflare's Email Service
 * binding, `await env.EMAIL.send({...})`.
 *
 * One implementation, two doors: each call becomes the Request the HTTP API
 * would get (request.ts) and runs through the same Hono app, so settings,
 * authentication, body limit, idempotency, validation, rate limit, delivery
 * and RateLimit bookkeeping are the HTTP path's, in the order app.ts gives.
 * The request's env carries the door's mark (api/binding-caller.ts), which
 * only this code can set: holding the binding is the credential, no API key
 * travels over it. Answers come back as values; problems reject as
 * EdgeSendError (errors.ts). Records (status, cancel) are owned by the
 * binding caller's id, so one binding caller never sees another's.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { BINDING_CALLER, type BindingCallerMark } from "../api/binding-caller";
import { type Problem, problem } from "../api/problem";
import type { Bindings } from "../api/types";
import { createApp } from "../app";
import { EdgeSendError } from "./errors";
import { apiRequest, DOOR_ORIGIN, messageBody, recordRequest, sendAtText } from "./request";
import type {
	AcceptedResult,
	BatchDryRunResult,
	BatchResult,
	DryRunResult,
	EdgeSendMessage,
	Limits,
	MessageRecord,
	SendOptions,
	SendResult,
} from "./types";

const app = createApp();

/** A caller name from the binding's props (set by whoever deploys the calling Worker). */
const CALLER_NAME = /^[\w.-]{1,64}$/;

export class EdgeSend extends WorkerEntrypoint<Bindings> {
	/**
	 * Sends one message. With `options.async` or a `sendAt`, resolves to the accepted message
	 * (`{ref, status: "queued"|"scheduled", messageId}`) instead; with `options.dryRun`, to the
	 * message that would be sent.
	 */
	async send(message: EdgeSendMessage, options: SendOptions = {}): Promise<SendResult | AcceptedResult | DryRunResult> {
		checkAgainstOptions(message, options);
		return this.#call(apiRequest("/v1/send", messageBody(message, options), options));
	}

	/** Up to 100 messages; resolves to one result per message (a problem for each that failed). */
	async batch(messages: EdgeSendMessage[], options: SendOptions = {}): Promise<BatchResult | BatchDryRunResult> {
		const list = Array.isArray(messages) ? messages : [];
		for (const [i, message] of list.entries()) checkAgainstOptions(message, options, `messages[${i}].`);
		const body = Array.isArray(messages) ? { messages: list.map((m) => messageBody(m, options)) } : { messages };
		return this.#call(apiRequest("/v1/batch", body, options));
	}

	/** The api_user's usage of its per-minute limit, as GET /v1/limits. */
	async limits(): Promise<Limits> {
		return this.#call(new Request(new URL("/v1/limits", DOOR_ORIGIN)));
	}

	/** The record of a message this binding caller sent (as GET /v1/messages/{ref}), with its events. */
	async status(ref: string): Promise<MessageRecord> {
		return this.#call(recordRequest(checkRef(ref), "GET"));
	}

	/** Cancels a `queued` or `scheduled` message (as DELETE /v1/messages/{ref}); resolves to its record. */
	async cancel(ref: string): Promise<MessageRecord> {
		return this.#call(recordRequest(checkRef(ref), "DELETE"));
	}

	async #call<T>(request: Request): Promise<T> {
		const props = (this.ctx as { props?: { caller?: unknown } }).props;
		const name = typeof props?.caller === "string" && CALLER_NAME.test(props.caller) ? props.caller : "binding";
		const mark: BindingCallerMark = { name };
		const env = { ...this.env, [BINDING_CALLER]: mark };
		const response = await app.fetch(request, env, this.ctx);
		if (response.ok) return (await response.json()) as T;
		throw new EdgeSendError(await problemOf(response));
	}
}

async function problemOf(response: Response): Promise<Problem> {
	const text = await response.text();
	if (response.headers.get("Content-Type")?.startsWith("application/problem+json")) return JSON.parse(text) as Problem;
	return problem("internal_error", `unexpected answer ${response.status}`);
}

const differs = (path: string, option: string, given: unknown, wanted: unknown) =>
	new EdgeSendError(
		problem(
			"validation_failed",
			`options.${option} (${String(wanted)}) and the message's ${option} (${String(given)}) differ`,
			{
				errors: [{ path, message: `differs from options.${option}` }],
			},
		),
	);

const sameInstant = (a: unknown, b: unknown) =>
	a === b || (typeof a === "string" && typeof b === "string" && Date.parse(a) === Date.parse(b));

/** Options fill in a message's `labelId` and `sendAt`; a different one on the message is a mistake, not a choice. */
function checkAgainstOptions(message: EdgeSendMessage, options: SendOptions, at = ""): void {
	const given = message as { labelId?: unknown; sendAt?: unknown } | null;
	if (options.labelId !== undefined && given?.labelId !== undefined) {
		if (String(given.labelId) !== String(options.labelId))
			throw differs(`${at}labelId`, "labelId", given.labelId, options.labelId);
	}
	if (options.sendAt !== undefined && given?.sendAt !== undefined) {
		const wanted = sendAtText(options.sendAt);
		if (!sameInstant(given.sendAt, wanted)) throw differs(`${at}sendAt`, "sendAt", given.sendAt, wanted);
	}
}

/** A ref as a send resolved to it (`msg_…`); anything else is the caller's mistake, named. */
function checkRef(ref: unknown): string {
	if (typeof ref === "string" && ref.length > 0) return ref;
	throw new EdgeSendError(
		problem("validation_failed", "ref must be the ref a send resolved to", {
			errors: [{ path: "ref", message: "must be a non-empty string" }],
		}),
	);
}
