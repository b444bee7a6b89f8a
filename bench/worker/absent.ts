/**
 * Stands in for a part of edgesend that is missing or does not build yet, so
 * the peers can still be measured; using it throws, and the bench reports why.
 */
const absent = (what: string) => {
	throw new Error(`edgesend's ${what} is not available: ${globalThis.__edgesendAbsent ?? "not built"}`);
};

declare global {
	var __edgesendAbsent: string | undefined;
}

export function composeMessage(): never {
	return absent("src/mime composeMessage");
}

/** Shaped like the real class's static API, which is all the bench calls. */
export const SmtpSession = {
	open(): never {
		return absent("src/smtp SmtpSession");
	},
};

export class RateLimiter {
	constructor() {
		absent("src/limit RateLimiter");
	}
}
