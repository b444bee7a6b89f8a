/**
 * What a public (browser) caller is told when something fails: the code,
 * status and title, and the detail only when it is about the caller's own
 * input. The relay's reply, the SMTP stage and anything naming our endpoints
 * stay out (anyone can hold a public key); server callers get the full problem
 * and the log line keeps the code and stage. One place, for every problem.
 */
import type { MiddlewareHandler } from "hono";
import { type Problem, problemCodes, retryableCodes } from "../../send/problem";
import type { AppEnv } from "../types";

/** The problem as a public caller sees it. */
export function publicView(p: Problem): Problem {
	const { smtp, rejected, ...rest } = p;
	const aboutTheServer = p.status >= 500 || smtp !== undefined || rejected !== undefined;
	if (!aboutTheServer) return rest;
	const { errors: _, ...bare } = rest;
	const title = problemCodes[p.code]?.title ?? p.title;
	return { ...bare, detail: `${title}.${retryableCodes.has(p.code) ? " Try again later." : ""}` };
}

export const tellPublicCallersLess = (): MiddlewareHandler<AppEnv> =>
	async function tellPublicCallersLess(c, next) {
		await next();
		if (c.get("caller")?.kind !== "public") return;
		if (c.res.headers.get("Content-Type") !== "application/problem+json") return;
		const full = (await c.res.clone().json()) as Problem;
		const log = c.get("log");
		log.code ??= full.code;
		if (full.smtp) log.smtpStage ??= full.smtp.stage;
		c.res = new Response(JSON.stringify(publicView(full)), { status: c.res.status, headers: c.res.headers });
	};
