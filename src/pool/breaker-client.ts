/**
 * The Worker's side of the route breakers: ask before using a route, tell
 * after. A send must not pay a Durable Object round trip to learn that a
 * healthy route is healthy, so this isolate keeps what the object last said
 * for up to CACHE_MS (an opening seen by another isolate reaches this one
 * that much later, at most). Route failures are always reported (they decide
 * openings); a delivery only when the route was not known closed here (a
 * trial, or an opening this isolate knows of), since a closed breaker has
 * nothing to learn from it.
 */
import type { Admission, BreakerPosition } from "./breaker-state.ts";
import type { RouteBreaker } from "./route-breaker.ts";

/** How long this isolate trusts what a breaker said. */
export const CACHE_MS = 1000;

interface Known {
	position: BreakerPosition;
	until: number;
}

const known = new Map<string, Known>();

const stubOf = (namespace: DurableObjectNamespace<RouteBreaker>, key: string) =>
	namespace.get(namespace.idFromName(key));

/** May a send use the route `key` now? Without a namespace there is no breaker: always. */
export async function admitRoute(
	namespace: DurableObjectNamespace<RouteBreaker> | undefined,
	key: string,
	now = Date.now(),
): Promise<Admission> {
	if (!namespace) return { verdict: "go" };
	const cached = known.get(key);
	if (cached && cached.until > now) {
		if (cached.position === "closed") return { verdict: "go" };
		if (cached.position === "open") return { verdict: "skip", retryInMs: cached.until - now };
	}
	const admission = await stubOf(namespace, key).admit(key);
	if (admission.verdict === "go") known.set(key, { position: "closed", until: now + CACHE_MS });
	else if (admission.verdict === "skip") {
		known.set(key, { position: "open", until: now + Math.min(admission.retryInMs, CACHE_MS) });
	} else known.set(key, { position: "half-open", until: now });
	return admission;
}

/**
 * What became of a send on the route `key`: `failure` is the route's fault
 * (failover-rule.ts routeFault), undefined when the route did its part.
 */
export async function reportRoute(
	namespace: DurableObjectNamespace<RouteBreaker> | undefined,
	key: string,
	failure: string | undefined,
	now = Date.now(),
): Promise<void> {
	if (!namespace) return;
	const cached = known.get(key);
	if (failure === undefined && cached?.position === "closed") return;
	const view = await stubOf(namespace, key).report(key, failure);
	known.set(key, { position: view.state, until: now + CACHE_MS });
}

/** Test-only: forget what this isolate knows of every breaker. */
export function forgetBreakers(): void {
	known.clear();
}
