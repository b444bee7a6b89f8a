/** GET /healthz: liveness, without auth or settings. */
import { createRoute } from "@hono/zod-openapi";
import type { Handler } from "hono";
import { HealthSchema } from "../schemas";
import type { AppEnv } from "../types";

export const healthRoute = createRoute({
	method: "get",
	path: "/healthz",
	summary: "Liveness",
	responses: { 200: { description: "The Worker runs", content: { "application/json": { schema: HealthSchema } } } },
});

export const health: Handler<AppEnv> = (c) => c.json({ ok: true as const });
