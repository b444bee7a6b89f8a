/**
 * The suppression list of the configured api_user: GET /v1/suppressions
 * (pages of up to 100, `?cursor=` from `nextCursor`), GET and DELETE
 * /v1/suppressions/{email}. Server callers (API key) only: the list names
 * people's addresses.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context, Handler } from "hono";
import { deleteSuppression, getSuppression, listSuppressions } from "../../events/suppressions";
import { ProblemError } from "../../send/problem";
import type { AppEnv } from "../types";
import { problems, security } from "./common";
import { badCursor, queryOf, storeFor } from "./store-access";

const PAGE = 100;

const SuppressionSchema = z
	.object({
		email: z.string(),
		reason: z.enum(["hard_bounce", "complaint"]),
		relayId: z.string().nullable(),
		detail: z.string().nullable(),
		createdAt: z.string(),
	})
	.openapi("Suppression");

const ListQuery = z.object({ cursor: z.string().optional() });

const emailParam = z.object({
	email: z.string().openapi({ param: { name: "email", in: "path" }, example: "ben@example.com" }),
});

export const listSuppressionsRoute = createRoute({
	method: "get",
	path: "/v1/suppressions",
	summary: "Suppressed addresses (hard bounces and complaints), in email order",
	security: [security.bearer],
	request: { query: ListQuery },
	responses: {
		200: {
			description: "A page",
			content: {
				"application/json": {
					schema: z.object({ suppressions: z.array(SuppressionSchema), nextCursor: z.string().nullable() }),
				},
			},
		},
		...problems(400, 401, 403, 500),
	},
});

export const getSuppressionRoute = createRoute({
	method: "get",
	path: "/v1/suppressions/{email}",
	summary: "Whether an address is suppressed, and why",
	security: [security.bearer],
	request: { params: emailParam },
	responses: {
		200: { description: "Suppressed", content: { "application/json": { schema: SuppressionSchema } } },
		...problems(401, 403, 404, 500),
	},
});

export const deleteSuppressionRoute = createRoute({
	method: "delete",
	path: "/v1/suppressions/{email}",
	summary: "Lift a suppression: the address may be sent to again",
	security: [security.bearer],
	request: { params: emailParam },
	responses: { 204: { description: "Lifted" }, ...problems(401, 403, 404, 500) },
});

/** The DB and the api_user, for a server caller only. */
const access = (c: Context<AppEnv>): { db: D1Database; apiUser: string } => ({
	db: storeFor(c, {
		allowed: (caller) => caller.kind === "bearer",
		refused: "the suppression list needs an API key",
		unbound: "the DB binding (D1) is missing: there is no suppression list",
	}),
	apiUser: c.get("config").smtp.user,
});

const cursorOf = (email: string) => btoa(email).replaceAll("=", "");
function afterOf(cursor: string | undefined): string | undefined {
	if (cursor === undefined) return undefined;
	try {
		return atob(cursor);
	} catch {
		throw badCursor("is not a cursor from nextCursor");
	}
}

const notSuppressed = (email: string) =>
	new ProblemError("suppression_not_found", `${email} is not on the suppression list`);

export const listSuppressionsHandler: Handler<AppEnv> = async (c) => {
	const { db, apiUser } = access(c);
	const page = await listSuppressions(db, apiUser, afterOf(queryOf(c, ListQuery).cursor), PAGE);
	return c.json({ suppressions: page.items, nextCursor: page.last ? cursorOf(page.last) : null }, 200);
};

export const getSuppressionHandler: Handler<AppEnv> = async (c) => {
	const { db, apiUser } = access(c);
	const email = decodeURIComponent(c.req.param("email") ?? "");
	const found = await getSuppression(db, apiUser, email);
	if (!found) throw notSuppressed(email);
	return c.json(found, 200);
};

export const deleteSuppressionHandler: Handler<AppEnv> = async (c) => {
	const { db, apiUser } = access(c);
	const email = decodeURIComponent(c.req.param("email") ?? "");
	if (!(await deleteSuppression(db, apiUser, email))) throw notSuppressed(email);
	return c.body(null, 204);
};
