/**
 * What the route definitions share: problem responses by status, the
 * security schemes, the Idempotency-Key header, and `mount`, which registers
 * a route in the OpenAPI document and routes it with the same definition.
 */
import { type OpenAPIHono, type RouteConfig, z } from "@hono/zod-openapi";
import type { Handler } from "hono";
import { ProblemSchema } from "../schemas";
import type { AppEnv } from "../types";

export const security: Record<"bearer" | "webhook" | "publicKey", Record<string, string[]>> = {
	bearer: { bearerAuth: [] },
	webhook: { standardWebhooks: [] },
	publicKey: { publicKey: [] },
};

export function registerSecuritySchemes(app: OpenAPIHono<AppEnv>): void {
	const registry = app.openAPIRegistry;
	registry.registerComponent("securitySchemes", "bearerAuth", {
		type: "http",
		scheme: "bearer",
		description: "One of API_KEYS",
	});
	registry.registerComponent("securitySchemes", "standardWebhooks", {
		type: "apiKey",
		in: "header",
		name: "webhook-signature",
		description:
			"Standard Webhooks: webhook-id, webhook-timestamp and webhook-signature (v1,<base64 HMAC-SHA256 of id.timestamp.body>) with WEBHOOK_SECRET",
	});
	registry.registerComponent("securitySchemes", "publicKey", {
		type: "apiKey",
		in: "query",
		name: "key",
		description: "A browser key from PUBLIC_KEYS: only from its origins, only to its recipients, limited per client IP",
	});
}

const describe: Record<number, string> = {
	400: "Invalid input: errors[] names each bad field",
	401: "No or invalid credentials",
	403: "Not allowed for this caller (origin, recipient or route)",
	409: "The same Idempotency-Key is still in flight",
	413: "Request body or encoded message too large",
	415: "The body is not JSON",
	404: "No such resource",
	422: "An attachment could not be fetched, the Idempotency-Key was used with another body, or every recipient is suppressed",
	429: "Over the limit (ours or the relay's 536); see Retry-After",
	500: "A setting is missing or invalid",
	502: "The relay refused the message, or delivery is unknown (also: an earlier request with this Idempotency-Key vanished mid-delivery)",
	503: "The relay, or an attachment's server, is unavailable; see Retry-After",
	504: "The relay did not answer in time",
};

/** The IETF httpapi ratelimit-headers draft's fields, as on /v1/send, /v1/batch, /v1/limits and every 429. */
export const rateLimitHeaderDocs = {
	"RateLimit-Policy": {
		description: 'The api_user\'s limit: `"default";q=<sends>;w=60`',
		schema: { type: "string" as const, example: '"default";q=30000;w=60' },
	},
	RateLimit: {
		description: 'What is left: `"default";r=<remaining>;t=<seconds until the window is clear>` (as GET /v1/limits)',
		schema: { type: "string" as const, example: '"default";r=29999;t=61' },
	},
};

const retryAfterHeader = {
	"Retry-After": { description: "Seconds to wait before trying again", schema: { type: "integer" as const } },
};

/** Problem responses for the given statuses. */
export const problems = (...statuses: (keyof typeof describe)[]) =>
	Object.fromEntries(
		statuses.map((status) => [
			status,
			{
				description: describe[status],
				content: { "application/problem+json": { schema: ProblemSchema } },
				...(status === 429 ? { headers: { ...rateLimitHeaderDocs, ...retryAfterHeader } } : {}),
				...(status === 503 ? { headers: retryAfterHeader } : {}),
			},
		]),
	);

export const dryRunQuery = z.object({
	dryRun: z.enum(["true", "false"]).optional().openapi({
		description:
			"true: validate, fetch url attachments and compose, and answer with the exact message instead of sending it (no permit, no connection, no record; not for public keys)",
	}),
});

export const idempotencyHeaders = z.object({
	"Idempotency-Key": z
		.string()
		.max(256)
		.optional()
		.openapi({ description: "A repeat within 24 h replays the first answer (Idempotent-Replayed: true)" }),
});

export const asyncHeaders = z.object({
	Prefer: z.string().optional().openapi({
		description:
			"respond-async (RFC 7240): validate and compose now, answer 202 with the record's ref, deliver through the queue with retries",
		example: "respond-async",
	}),
});

export const acceptedHeaderDocs = {
	Location: { description: "/v1/messages/{ref}: the message's record", schema: { type: "string" as const } },
	"Preference-Applied": { description: "respond-async", schema: { type: "string" as const } },
	"RateLimit-Policy": {
		...rateLimitHeaderDocs["RateLimit-Policy"],
		description:
			'The api_user\'s limit: `"default";q=<sends>;w=60`. No RateLimit field: a queued message takes its permit when the queue delivers it, so the answer asks the limiter nothing (GET /v1/limits tells)',
	},
};

export const locationHeaderDoc = {
	Location: { description: "/v1/messages/{ref}: the message's record", schema: { type: "string" as const } },
};

type Route = RouteConfig & { getRoutingPath(): string };

/** Documents `route` and routes it to `handler`. Validation happens in the handler, with the same schemas. */
export function mount(app: OpenAPIHono<AppEnv>, route: Route, handler: Handler<AppEnv>): void {
	app.openAPIRegistry.registerPath(route);
	app.on(route.method.toUpperCase(), route.getRoutingPath(), handler);
}
