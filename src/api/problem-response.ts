/**
 * A Problem (send/problem.ts) as the HTTP answer: RFC 9457
 * `application/problem+json`, with Retry-After from the document and the
 * Bearer challenge on a 401.
 */
import type { Problem } from "../send/problem";

export function problemResponse(p: Problem): Response {
	const h = new Headers({ "Content-Type": "application/problem+json" });
	if (p.retryAfter !== undefined) h.set("Retry-After", String(p.retryAfter));
	if (p.status === 401) h.set("WWW-Authenticate", 'Bearer realm="edgesend"');
	return new Response(JSON.stringify(p), { status: p.status, headers: h });
}
