/**
 * The RPC entrypoint: `class EdgeSend extends WorkerEntrypoint`, bound by
 * other Workers as `services = [{ binding = "EMAIL", service = "edgesend",
 * entrypoint = "EdgeSend" }]` and called like Cloudflare's Email Service
 * binding, `await env.EMAIL.send({...})`. Exported by index.ts.
 *
 * One implementation, two doors: each call becomes the Request the HTTP API
 * would get (rpc/request.ts) and runs through the same Hono app, so settings,
 * authentication, body limit, idempotency, validation, rate limit, delivery
 * and RateLimit bookkeeping are the HTTP path's, in the order app.ts gives.
 * It lives here, at the entry, because it runs the whole app: the rpc/ door
 * itself is only the mapping and imports no other door. The request's env
 * carries the door's mark (api/binding-caller.ts), which only this code can
 * set: holding the binding is the credential, no API key travels over it.
 * Answers come back as values; problems reject as EdgeSendError
 * (rpc/errors.ts). Records (status, cancel) are owned by the binding
 * caller's id, so one binding caller never sees another's.
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { BINDING_CALLER, type BindingCallerMark } from "./api/binding-caller";
import { createApp } from "./app";
import type { Bindings } from "./env";
import { callerName, checkAgainstOptions, checkRef, resultOf } from "./rpc/call";
import { apiRequest, DOOR_ORIGIN, messageBody, recordRequest } from "./rpc/request";
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
} from "./rpc/types";

const app = createApp();

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
		const mark: BindingCallerMark = { name: callerName((this.ctx as { props?: { caller?: unknown } }).props) };
		const env = { ...this.env, [BINDING_CALLER]: mark };
		return resultOf<T>(await app.fetch(request, env, this.ctx));
	}
}
