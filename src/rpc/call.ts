/**
 * The RPC door's checks and answers around one call (the class is
 * src/edgesend.ts): options that disagree with the message, a ref that is
 * not one, and the HTTP answer the call ran into as the value it resolves to
 * or the EdgeSendError it rejects with.
 */
import { type Problem, problem } from "../send/problem";
import { EdgeSendError } from "./errors";
import { sendAtText } from "./request";
import type { EdgeSendMessage, SendOptions } from "./types";

/** A caller name from the binding's props (set by whoever deploys the calling Worker). */
const CALLER_NAME = /^[\w.-]{1,64}$/;
const CALLER_RULE = "must be a name of 1 to 64 letters, digits, '.', '_' or '-'";

/**
 * Who holds the binding: `props.caller`, or "binding" (the shared scope) when
 * the deployer set none. One that is set but not a plain name is refused, never
 * read as unset: that would put its records in the shared scope, where every
 * unnamed binding caller can read and cancel them.
 */
export function callerName(props: { caller?: unknown } | undefined): string {
	const caller = props?.caller;
	if (caller === undefined) return "binding";
	if (typeof caller === "string" && CALLER_NAME.test(caller)) return caller;
	const got =
		typeof caller === "string"
			? JSON.stringify(caller.length > 70 ? `${caller.slice(0, 70)}…` : caller)
			: caller === null
				? "null"
				: `a ${typeof caller}`;
	throw new EdgeSendError(
		problem("config_invalid", `props.caller on the service binding to EdgeSend ${CALLER_RULE} (got ${got})`, {
			errors: [{ path: "props.caller", message: CALLER_RULE }],
		}),
	);
}

/** A 2xx answer's JSON; any other answer rejects as EdgeSendError with its problem. */
export async function resultOf<T>(response: Response): Promise<T> {
	if (response.ok) return (await response.json()) as T;
	throw new EdgeSendError(await problemOf(response));
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
export function checkAgainstOptions(message: EdgeSendMessage, options: SendOptions, at = ""): void {
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
export function checkRef(ref: unknown): string {
	if (typeof ref === "string" && ref.length > 0) return ref;
	throw new EdgeSendError(
		problem("validation_failed", "ref must be the ref a send resolved to", {
			errors: [{ path: "ref", message: "must be a non-empty string" }],
		}),
	);
}
