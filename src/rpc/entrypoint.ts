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
 * EdgeSendError (errors.ts).
 */
import { WorkerEntrypoint } from "cloudflare:workers";
import { BINDING_CALLER, type BindingCallerMark } from "../api/binding-caller";
import { type Problem, problem } from "../api/problem";
import type { Bindings } from "../api/types";
import { createApp } from "../app";
import { EdgeSendError } from "./errors";
import { apiRequest, DOOR_ORIGIN, messageBody } from "./request";
import type {
	BatchDryRunResult,
	BatchResult,
	DryRunResult,
	EdgeSendMessage,
	Limits,
	SendOptions,
	SendResult,
} from "./types";

const app = createApp();

/** A caller name from the binding's props (set by whoever deploys the calling Worker). */
const CALLER_NAME = /^[\w.-]{1,64}$/;

export class EdgeSend extends WorkerEntrypoint<Bindings> {
	/** Sends one message; with `options.dryRun`, resolves to the message that would be sent instead. */
	async send(message: EdgeSendMessage, options: SendOptions = {}): Promise<SendResult | DryRunResult> {
		checkLabel(message, options);
		return this.#call(apiRequest("/v1/send", messageBody(message, options), options));
	}

	/** Up to 100 messages; resolves to one result per message (a problem for each that failed). */
	async batch(messages: EdgeSendMessage[], options: SendOptions = {}): Promise<BatchResult | BatchDryRunResult> {
		const list = Array.isArray(messages) ? messages : [];
		for (const message of list) checkLabel(message, options);
		const body = Array.isArray(messages) ? { messages: list.map((m) => messageBody(m, options)) } : { messages };
		return this.#call(apiRequest("/v1/batch", body, options));
	}

	/** The api_user's usage of its per-minute limit, as GET /v1/limits. */
	async limits(): Promise<Limits> {
		return this.#call(new Request(new URL("/v1/limits", DOOR_ORIGIN)));
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

/** `options.labelId` fills in a message's label; a different one on the message is a mistake, not a choice. */
function checkLabel(message: EdgeSendMessage, options: SendOptions): void {
	const given = (message as { labelId?: unknown } | null)?.labelId;
	if (options.labelId === undefined || given === undefined || String(given) === String(options.labelId)) return;
	const detail = `options.labelId (${String(options.labelId)}) and the message's labelId (${String(given)}) differ`;
	throw new EdgeSendError(
		problem("validation_failed", detail, { errors: [{ path: "labelId", message: "differs from options.labelId" }] }),
	);
}
