/**
 * What the routes over stored data (/v1/messages, /v1/suppressions) share:
 * who may call them (403 for anyone else), the query checked against the
 * route's own documented schema, and the 400 for a cursor this API did not
 * give out.
 */
import type { z } from "@hono/zod-openapi";
import type { Context } from "hono";
import type { Caller } from "../../send/caller";
import { ProblemError } from "../../send/problem";
import type { AppEnv } from "../types";

export interface StoreRule {
	/** Who may call the route. */
	allowed: (caller: Caller) => boolean;
	/** The 403's detail for anyone else. */
	refused: string;
}

/** Refuses a caller the rule does not allow. */
export function allowStore(c: Context<AppEnv>, rule: StoreRule): void {
	if (!rule.allowed(c.get("caller"))) throw new ProblemError("forbidden", rule.refused);
}

/** The query parsed with `schema`; a 400 naming each bad parameter. */
export function queryOf<T extends z.ZodType>(c: Context<AppEnv>, schema: T): z.infer<T> {
	const query = schema.safeParse(c.req.query());
	if (query.success) return query.data;
	const errors = query.error.issues.map((i) => ({ path: i.path.join("."), message: i.message }));
	throw new ProblemError("validation_failed", `invalid query: ${errors.map((e) => e.path).join(", ")}`, { errors });
}

/** The 400 for a cursor that is not one this API gave out; `message` says which one it should be. */
export const badCursor = (message: string) =>
	new ProblemError("validation_failed", "cursor is not one this API gave out", {
		errors: [{ path: "cursor", message }],
	});
