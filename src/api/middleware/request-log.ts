/**
 * One structured JSON line per request: route, status, duration, caller kind,
 * and what the route added (relay id, SMTP stage and problem code on failure).
 * Built from an allow-list of fields, so no secret or message content can
 * slip in; a route whose path names a person's address logs the route alone.
 */
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import type { AppEnv, LogFields } from "../types";

/** The code and SMTP stage of a problem answer (its small body is read from a clone). */
async function problemFields(res: Response): Promise<LogFields> {
	if (res.headers.get("Content-Type") !== "application/problem+json") return {};
	try {
		const p = (await res.clone().json()) as { code?: string; smtp?: { stage?: string } };
		return { code: p.code, smtpStage: p.smtp?.stage };
	} catch {
		return {};
	}
}

/** Routes whose path carries an address (`/v1/suppressions/:email`): their path is not logged. */
const addressInPath = (route: string): boolean => route.includes(":email");

export const requestLog = (): MiddlewareHandler<AppEnv> =>
	async function requestLog(c, next) {
		const started = Date.now();
		c.set("log", {});
		await next();
		const fields = { ...(await problemFields(c.res)), ...c.get("log") };
		const route = routePath(c, -1);
		const line = {
			level: c.res.status >= 500 ? "error" : c.res.status >= 400 ? "warn" : "info",
			msg: "request",
			requestId: c.get("requestId"),
			method: c.req.method,
			route,
			path: addressInPath(route) ? undefined : c.req.path,
			status: c.res.status,
			durationMs: Date.now() - started,
			caller: c.get("caller")?.kind,
			relayId: fields.relayId,
			smtpStage: fields.smtpStage,
			code: fields.code,
			sent: fields.sent,
			failed: fields.failed,
			replayed: fields.replayed,
		};
		console.log(JSON.stringify(line));
	};
