/**
 * What every Resend-shaped route shares: who may call (API keys only, and the
 * records' DB, since Resend's ids are our message refs), and the last word on
 * every answer: a problem, wherever it was raised (auth, body limit, the send
 * path, an idempotent replay, no such route), leaves as Resend's
 * `{statusCode, message, name}` with its field paths in Resend's names. The
 * routes themselves answer problems as /v1/* does, so Idempotency-Key keeps
 * and replays them by the same rules.
 */
import { z } from "@hono/zod-openapi";
import type { MiddlewareHandler } from "hono";
import { type Problem, ProblemError } from "../../send/problem";
import { requireStore } from "../../send/store-access";
import type { AppEnv } from "../types";
import { resendPath } from "./email-body";
import { missingKey, toResendError } from "./errors";

export const resendErrors = (): MiddlewareHandler<AppEnv> =>
	async function resendErrors(c, next) {
		await next();
		if (!c.res.headers.get("Content-Type")?.startsWith("application/problem+json")) return;
		const p = (await c.res.clone().json()) as Problem;
		const error =
			p.code === "unauthorized" && c.req.header("Authorization") === undefined
				? missingKey
				: toResendError(p, resendPath);
		// Hono keeps the other headers of the answer it replaces (Retry-After, RateLimit, X-Request-Id).
		c.res = new Response(JSON.stringify(error), {
			status: error.statusCode,
			headers: { "Content-Type": "application/json" },
		});
	};

export const resendCallers = (): MiddlewareHandler<AppEnv> =>
	async function resendCallers(c, next) {
		if (c.get("caller").kind !== "bearer") {
			throw new ProblemError(
				"forbidden",
				"the Resend routes take an API key (Authorization: Bearer); public keys and signed webhooks use /v1/*",
			);
		}
		requireStore(c.env, "the Resend routes (their ids are message records)");
		return next();
	};

export const ResendErrorSchema = z
	.object({
		statusCode: z.number().int(),
		message: z.string().openapi({ example: "reply_to[0]: is not a valid email address" }),
		name: z.string().openapi({ example: "validation_error" }),
	})
	.openapi("ResendError");

const describe: Record<number, string> = {
	400: "validation_error (a field is wrong: the message names it), invalid_idempotency_key",
	401: "missing_api_key",
	403: "invalid_api_key, restricted_api_key",
	404: "not_found",
	409: "concurrent_idempotent_requests, invalid_idempotent_request",
	413: "validation_error: the request or the message is too large",
	415: "validation_error: the body is not JSON",
	422: "missing_required_field, invalid_attachment, validation_error (suppressed, not cancelable)",
	429: "rate_limit_exceeded; see retry-after",
	500: "application_error: a setting is missing or invalid",
	502: "application_error: the relay refused the message, or its fate is unknown",
	503: "application_error: the relay or an attachment's server is unavailable; see retry-after",
	504: "application_error: the relay did not answer in time",
};

/** Resend-shaped error answers for the given statuses, for the OpenAPI document. */
export const resendProblems = (...statuses: (keyof typeof describe)[]) =>
	Object.fromEntries(
		statuses.map((status) => [
			status,
			{ description: describe[status], content: { "application/json": { schema: ResendErrorSchema } } },
		]),
	);
