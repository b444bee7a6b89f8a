/**
 * Calling the API from the reliability suites: the API suites' helpers
 * (test/api/support.ts: one request through a fresh app with the suite's
 * bindings plus per-test settings, resolved once its background work — QUIT,
 * socket closes — is done too; reading problem answers), and what only these
 * suites add.
 */
import { auth, call, type Overrides } from "../../api/support";

export { auth, call, type Overrides, type ProblemBody, problemOf } from "../../api/support";

/** POSTs `body` (serialised unless already a string) with the suite's API key. */
export const postJson = (path: string, body: unknown, overrides: Overrides = {}) =>
	call(
		path,
		{ method: "POST", headers: auth, body: typeof body === "string" ? body : JSON.stringify(body) },
		overrides,
	);

/** Settings pointing the app at a relay of the test's own. */
export const relaySettings = (port: number, security: string, extra: Overrides = {}): Overrides => ({
	SMTP_HOST: "localhost",
	SMTP_PORT: String(port),
	SMTP_SECURITY: security,
	...extra,
});

export interface SentBody {
	id: string;
	messageId: string;
	accepted: string[];
	rejected: { address: string; code: number }[];
}

let serial = 0;
/** A tag no other request uses, to find a message again at a shared relay. */
export const uniqueTag = (label: string) => `${label}-${++serial}-${crypto.randomUUID().slice(0, 8)}`;
