/** GET /v1/limits: the configured api_user's usage of its per-minute limit. */
import { createRoute } from "@hono/zod-openapi";
import type { Handler } from "hono";
import { LimitsSchema } from "../schemas";
import type { AppEnv } from "../types";
import { problems, rateLimitHeaderDocs, security } from "./common";

export const limitsRoute = createRoute({
	method: "get",
	path: "/v1/limits",
	summary: "Usage of the api_user's sends-per-minute limit",
	security: [security.bearer],
	responses: {
		200: {
			description: "Current usage",
			headers: rateLimitHeaderDocs,
			content: { "application/json": { schema: LimitsSchema } },
		},
		...problems(401, 403, 500),
	},
});

export const limits: Handler<AppEnv> = async (c) => c.json(await c.get("userLimiter").usage());
