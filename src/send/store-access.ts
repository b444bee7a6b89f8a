/**
 * The message store's bindings, for the parts of the send path that keep or
 * read records: all four namespaces, or a 500 naming the missing ones (a
 * Worker without them still sends synchronously, unrecorded).
 */
import type { Bindings } from "../env";
import type { StoreBindings } from "../store/messages-client";
import { ProblemError } from "./problem";

const NAMES = ["MESSAGES", "RELAY_INDEX", "SUPPRESSIONS", "DIRECTORY"] as const;

/** The store, when every namespace is bound. */
export function storeOf(env: Bindings): StoreBindings | undefined {
	const { MESSAGES, RELAY_INDEX, SUPPRESSIONS, DIRECTORY } = env;
	return MESSAGES && RELAY_INDEX && SUPPRESSIONS && DIRECTORY
		? { MESSAGES, RELAY_INDEX, SUPPRESSIONS, DIRECTORY }
		: undefined;
}

/** The store, or a 500 naming what is missing (`what`: what needed it). */
export function requireStore(env: Bindings, what: string): StoreBindings {
	const store = storeOf(env);
	if (store) return store;
	const missing = NAMES.filter((name) => !env[name]);
	throw new ProblemError("config_invalid", `${what} need the bindings ${missing.join(", ")}`);
}
