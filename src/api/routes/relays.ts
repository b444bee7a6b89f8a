/**
 * GET /v1/relays: each route a message may take (the first, and the second
 * if any), its circuit breaker's state, since when, and its last failure and
 * why (docs/failover.md). For API-key callers: it tells how the service is
 * set up (hosts, never credentials).
 */
import { createRoute } from "@hono/zod-openapi";
import type { Handler } from "hono";
import type { BreakerView } from "../../pool";
import { routeKey } from "../../pool";
import type { Route } from "../../routes-config";
import { ProblemError } from "../../send/problem";
import { RelaysSchema } from "../schemas";
import type { AppEnv } from "../types";
import { problems, security } from "./common";

export const relaysRoute = createRoute({
	method: "get",
	path: "/v1/relays",
	summary: "The routes to the relay and their circuit breakers",
	security: [security.bearer],
	responses: {
		200: { description: "Each route and its breaker", content: { "application/json": { schema: RelaysSchema } } },
		...problems(401, 403, 500),
	},
});

/** Where a route goes, without credentials. */
const targetOf = (route: Route): string =>
	route.kind === "smtp"
		? `${route.host}:${route.port}`
		: route.kind === "engagelab-rest"
			? route.url
			: "FALLBACK_EMAIL";

export const relays: Handler<AppEnv> = async (c) => {
	const caller = c.get("caller");
	if (caller.kind !== "bearer" && caller.kind !== "binding") {
		throw new ProblemError("forbidden", "the routes are shown to API-key callers only");
	}
	const { routes } = c.get("config");
	const namespace = c.env.ROUTE_BREAKER;
	const view = async (route: Route): Promise<BreakerView | null> => {
		if (!namespace) return null;
		const key = routeKey(route);
		return namespace.get(namespace.idFromName(key)).view(key);
	};
	const listed = [
		{ name: "primary" as const, route: routes.primary },
		...(routes.fallback ? [{ name: "fallback" as const, route: routes.fallback }] : []),
	];
	return c.json(
		{
			routes: await Promise.all(
				listed.map(async ({ name, route }) => ({
					name,
					kind: route.kind,
					target: targetOf(route),
					breaker: await view(route),
				})),
			),
			ignored: routes.ignored,
			...(routes.fallback
				? {
						fallbackLimitPerMinute: routes.fallbackLimitPerMinute ?? null,
						fallbackOnLimit: routes.fallbackOnLimit,
					}
				: {}),
		},
		200,
	);
};
