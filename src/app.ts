/**
 * The Hono app. Middleware, in order: request id → log line → (what public
 * callers are told) → settings → CORS (public keys) → auth → public-key limits
 * → body limit → webhook signature → RateLimit headers (on the routes that
 * count) → routes.
 * The provider's callbacks (/v1/events/engagelab) are signed by the provider
 * and routed before auth, with only settings and the body limit.
 * /healthz and /openapi.json need neither settings nor credentials.
 */
import { OpenAPIHono } from "@hono/zod-openapi";
import { HTTPException } from "hono/http-exception";
import { authenticate, verifyWebhookBody } from "./api/auth/authenticate";
import { admitPublicCaller } from "./api/auth/public-admission";
import { limitBody } from "./api/middleware/body-limit";
import { loadConfig } from "./api/middleware/config";
import { publicKeyCors } from "./api/middleware/cors";
import { tellPublicCallersLess } from "./api/middleware/public-problems";
import { rateLimitHeaders } from "./api/middleware/rate-limit-headers";
import { requestId } from "./api/middleware/request-id";
import { requestLog } from "./api/middleware/request-log";
import { problemResponse } from "./api/problem-response";
import { resendCallers, resendErrors } from "./api/resend/door";
import {
	cancelEmail,
	cancelEmailRoute,
	getEmail,
	getEmailRoute,
	listEmails,
	listEmailsRoute,
	updateEmail,
	updateEmailRoute,
} from "./api/resend/email-routes";
import { resendErrorResponse, toResendError } from "./api/resend/errors";
import { resendRateLimitFields } from "./api/resend/rate-limit";
import { sendBatchRoute, sendEmail, sendEmailBatch, sendEmailRoute } from "./api/resend/send-routes";
import { batch, batchRoute } from "./api/routes/batch";
import { mount, registerSecuritySchemes } from "./api/routes/common";
import { engagelabEvents, engagelabEventsRoute } from "./api/routes/engagelab-events";
import { health, healthRoute } from "./api/routes/health";
import { limits, limitsRoute } from "./api/routes/limits";
import {
	cancelMessage,
	cancelMessageRoute,
	getMessage,
	getMessageRoute,
	listMessages,
	listMessagesRoute,
} from "./api/routes/messages";
import { send, sendRoute } from "./api/routes/send";
import {
	deleteSuppressionHandler,
	deleteSuppressionRoute,
	getSuppressionHandler,
	getSuppressionRoute,
	listSuppressionsHandler,
	listSuppressionsRoute,
} from "./api/routes/suppressions";
import type { AppEnv } from "./api/types";
import { type ProblemCode, ProblemError, problem } from "./send/problem";

const OPENAPI_INFO = {
	title: "edgesend",
	version: "0.1.0",
	description: "Send email over SMTP from a Cloudflare Worker: a small JSON API in front of the EngageLab relay.",
};

/** Hono's own exceptions (e.g. a malformed request) by status. */
const codeForStatus: Record<number, ProblemCode> = {
	400: "validation_failed",
	413: "payload_too_large",
	415: "unsupported_media_type",
};

export function createApp(): OpenAPIHono<AppEnv> {
	const app = new OpenAPIHono<AppEnv>();

	app.use(requestId(), requestLog());
	// The provider's callbacks carry its signature, not our credentials: routed before auth.
	app.use(engagelabEventsRoute.path, loadConfig(), limitBody());
	mount(app, engagelabEventsRoute, engagelabEvents);
	app.use(
		"/v1/*",
		tellPublicCallersLess(),
		loadConfig(),
		publicKeyCors(),
		authenticate(),
		admitPublicCaller(),
		limitBody(),
		verifyWebhookBody(),
	);
	for (const path of ["/v1/send", "/v1/batch", "/v1/limits"]) app.use(path, rateLimitHeaders());
	// Resend's API, the second door: API keys only, errors in Resend's shape, its ratelimit-* fields too.
	app.use(
		"/emails/*",
		resendErrors(),
		loadConfig(),
		authenticate(),
		resendCallers(),
		limitBody(),
		rateLimitHeaders(resendRateLimitFields),
	);

	mount(app, healthRoute, health);
	mount(app, sendRoute, send);
	mount(app, batchRoute, batch);
	mount(app, limitsRoute, limits);
	mount(app, listMessagesRoute, listMessages);
	mount(app, getMessageRoute, getMessage);
	mount(app, cancelMessageRoute, cancelMessage);
	mount(app, listSuppressionsRoute, listSuppressionsHandler);
	mount(app, getSuppressionRoute, getSuppressionHandler);
	mount(app, deleteSuppressionRoute, deleteSuppressionHandler);
	mount(app, sendEmailRoute, sendEmail);
	mount(app, sendBatchRoute, sendEmailBatch);
	mount(app, listEmailsRoute, listEmails);
	mount(app, getEmailRoute, getEmail);
	mount(app, updateEmailRoute, updateEmail);
	mount(app, cancelEmailRoute, cancelEmail);

	registerSecuritySchemes(app);
	app.openAPIRegistry.registerPath({
		method: "get",
		path: "/openapi.json",
		summary: "This document (OpenAPI 3.1)",
		responses: { 200: { description: "The OpenAPI document" } },
	});
	app.doc31("/openapi.json", { openapi: "3.1.0", info: OPENAPI_INFO });

	// Outside /v1/, a caller that missed a route is most likely a Resend SDK asking for what edgesend lacks.
	app.notFound((c) => {
		const missing = problem("not_found", `no route for ${c.req.method} ${c.req.path}`);
		return c.req.path.startsWith("/v1/") ? problemResponse(missing) : resendErrorResponse(toResendError(missing));
	});
	app.onError((error) => {
		if (error instanceof ProblemError) return problemResponse(error.problem);
		if (error instanceof HTTPException) {
			return problemResponse(problem(codeForStatus[error.status] ?? "internal_error", error.message));
		}
		console.error(JSON.stringify({ level: "error", msg: "unhandled", error: String(error) }));
		return problemResponse(problem("internal_error", "an unexpected error occurred; the request id identifies it"));
	});
	return app;
}
