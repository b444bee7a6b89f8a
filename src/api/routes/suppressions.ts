/**
 * The suppression list of the configured api_user: GET /v1/suppressions
 * (pages of up to 100, `?cursor=` from `nextCursor`), GET and DELETE
 * /v1/suppressions/{email}. Server callers (API key) only: the list names
 * people's addresses (and so the request log names the route of these, not
 * the path). The list is 16 SuppressionList objects per api_user
 * (store/suppression-list.ts); a page merges theirs.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context, Handler } from "hono";
import { ProblemError } from "../../send/problem";
import { requireStore } from "../../send/store-access";
import { listSuppressions, type StoreBindings, suppressionsOf } from "../../store/messages-client";
import type { Suppression } from "../../store/suppression-list";
import { decodeBase64 } from "../../util/bytes";
import type { AppEnv } from "../types";
import { problems, security } from "./common";
import { allowStore, badCursor, queryOf } from "./store-access";

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

/** The suppression objects and the api_user, for a server caller only. */
function access(c: Context<AppEnv>): { store: StoreBindings; apiUser: string } {
	allowStore(c, { allowed: (caller) => caller.kind === "bearer", refused: "the suppression list needs an API key" });
	return { store: requireStore(c.env, "the suppression routes"), apiUser: c.get("config").smtp.user };
}

/** The path's address: Hono has decoded it once already (decoding it again broke on a `%`). */
const emailOf = (c: Context<AppEnv>): string => c.req.param("email") ?? "";

/** The last address of a page, as base64 of its UTF-8 (an address may be UTF-8: SMTPUTF8). */
const cursorOf = (email: string) =>
	btoa(Array.from(new TextEncoder().encode(email), (b) => String.fromCharCode(b)).join("")).replaceAll("=", "");

function afterOf(cursor: string | undefined): string | null {
	if (cursor === undefined) return null;
	const bytes = decodeBase64(cursor);
	try {
		if (bytes) return new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
	} catch {}
	throw badCursor("is not a cursor from nextCursor");
}

const view = (s: Suppression) => ({
	email: s.email,
	reason: s.reason,
	relayId: s.relayId,
	detail: s.detail,
	createdAt: new Date(s.createdAt).toISOString(),
});

const notSuppressed = (email: string) =>
	new ProblemError("suppression_not_found", `${email} is not on the suppression list`);

export const listSuppressionsHandler: Handler<AppEnv> = async (c) => {
	const { store, apiUser } = access(c);
	const after = afterOf(queryOf(c, ListQuery).cursor);
	const found = await listSuppressions(store, apiUser, after, PAGE + 1);
	const page = found.slice(0, PAGE);
	const last = found.length > PAGE ? page[page.length - 1] : undefined;
	return c.json({ suppressions: page.map(view), nextCursor: last ? cursorOf(last.email) : null }, 200);
};

export const getSuppressionHandler: Handler<AppEnv> = async (c) => {
	const { store, apiUser } = access(c);
	const email = emailOf(c);
	const found = await suppressionsOf(store, apiUser, email).get(email);
	if (!found) throw notSuppressed(email);
	return c.json(view(found), 200);
};

export const deleteSuppressionHandler: Handler<AppEnv> = async (c) => {
	const { store, apiUser } = access(c);
	const email = emailOf(c);
	if (!(await suppressionsOf(store, apiUser, email).remove(email))) throw notSuppressed(email);
	return c.body(null, 204);
};
