/**
 * Resend's `POST /emails` and `POST /emails/batch`: a Resend body becomes
 * /v1/send's (email-body.ts) and goes through the same send path functions
 * /v1/send and /v1/batch call, under the same Idempotency-Key store; the
 * outcome is rendered as Resend's `{id}` (our ref) or `{data, errors}`.
 * Without `scheduled_at` an email is sent now, and a refusal is the answer.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context, Handler } from "hono";
import type { Problem } from "../../send/problem";
import { sendBatch } from "../../send/send-batch";
import { sendMessage } from "../../send/send-message";
import { readJson } from "../body";
import { idempotent } from "../idempotency";
import { problemResponse } from "../problem-response";
import { observeRelay } from "../relay-timing";
import { idempotencyHeaders, security } from "../routes/common";
import { sendContext } from "../send-context";
import type { AppEnv } from "../types";
import { batchAnswer, type ItemOutcome, refuseStrict } from "./batch-answer";
import { batchValidationOf } from "./batch-validation";
import { resendProblems } from "./door";
import { type Converted, fromResendEmail, ResendEmailSchema, resendPath } from "./email-body";
import { type ResendError, resendErrorResponse, toResendError } from "./errors";

const statusOf: Record<Extract<Converted, { ok: false }>["name"], number> = {
	missing_required_field: 422,
	invalid_attachment: 422,
	validation_error: 400,
};

/** A body the door refused, as Resend's error. */
const refusal = (c: Extract<Converted, { ok: false }>): ResendError => ({
	statusCode: statusOf[c.name],
	name: c.name,
	message: c.errors.map((e) => `${e.path || "(body)"}: ${e.message}`).join("; "),
});

const batchHeaders = idempotencyHeaders.extend({
	"x-batch-validation": z.enum(["strict", "permissive"]).optional().openapi({
		description: "strict (default): one invalid email refuses the batch, nothing sent; permissive: the valid ones go",
	}),
});

const IdSchema = z.object({ id: z.string().openapi({ example: "msg_2f7kq4m6x3b5n7p2r4t6v8y3za" }) });

export const sendEmailRoute = createRoute({
	method: "post",
	path: "/emails",
	operationId: "resendSendEmail",
	tags: ["Resend"],
	summary: "Send an email (Resend's API)",
	security: [security.bearer],
	request: {
		headers: idempotencyHeaders,
		body: { required: true, content: { "application/json": { schema: ResendEmailSchema } } },
	},
	responses: {
		200: {
			description: "Sent (the relay has it), or scheduled: its id, our message ref",
			content: { "application/json": { schema: IdSchema.openapi("ResendSent") } },
		},
		...resendProblems(400, 401, 403, 409, 413, 415, 422, 429, 500, 502, 503, 504),
	},
});

export const sendEmail: Handler<AppEnv> = (c) =>
	idempotent(c, async () => {
		const converted = fromResendEmail(await readJson(c), Date.now());
		if (!converted.ok) return resendErrorResponse(refusal(converted));
		const outcome = await sendMessage(sendContext(c), async () => converted.body, { async: false });
		if (outcome.kind === "accepted") return c.json({ id: outcome.accepted.ref }, 200);
		const { delivered, ref } = outcome;
		if (!delivered.ok) return observeRelay(outcome, problemResponse(delivered.problem), c.get("log"));
		c.get("log").relayId = delivered.sent.id;
		return observeRelay(outcome, c.json({ id: ref ?? delivered.sent.id }, 200), c.get("log"));
	});

export const sendBatchRoute = createRoute({
	method: "post",
	path: "/emails/batch",
	operationId: "resendSendBatch",
	tags: ["Resend"],
	summary: "Send up to 100 emails (Resend's API; attachments allowed)",
	security: [security.bearer],
	request: {
		headers: batchHeaders,
		body: { required: true, content: { "application/json": { schema: z.array(ResendEmailSchema).min(1).max(100) } } },
	},
	responses: {
		200: {
			description: "data: the id of each email that went, in order; errors: {index, message} for the others",
			content: {
				"application/json": {
					schema: z
						.object({
							data: z.array(IdSchema),
							errors: z.array(z.object({ index: z.number().int(), message: z.string() })).optional(),
						})
						.openapi("ResendBatchResult"),
				},
			},
		},
		...resendProblems(400, 401, 403, 409, 413, 415, 422, 429, 500, 502, 503, 504),
	},
});

/** One email's problem as the batch's answer: its detail and field paths say which email, in Resend's names. */
const itemProblem = (p: Problem, index: number): Problem => ({
	...p,
	detail: `emails[${index}]: ${p.detail}`,
	...(p.errors
		? { errors: p.errors.map((e) => ({ ...e, path: `emails[${index}]${e.path ? `.${resendPath(e.path)}` : ""}` })) }
		: {}),
});

/** The body as a list of 1 to 100 emails, or Resend's error saying otherwise. */
async function emailsOf(c: Context<AppEnv>): Promise<unknown[] | ResendError> {
	const body = await readJson(c);
	if (Array.isArray(body) && body.length >= 1 && body.length <= 100) return body;
	return { statusCode: 400, name: "validation_error", message: "(body): must be a JSON array of 1 to 100 emails" };
}

export const sendEmailBatch: Handler<AppEnv> = (c) =>
	idempotent(c, async () => {
		const mode = batchValidationOf(c.req.header("x-batch-validation"));
		if (typeof mode !== "string") {
			return resendErrorResponse({ statusCode: 400, name: "validation_error", message: mode.error });
		}
		const emails = await emailsOf(c);
		if (!Array.isArray(emails)) return resendErrorResponse(emails);
		const now = Date.now();
		const converted = emails.map((email, index) => ({ index, result: fromResendEmail(email, now) }));
		const invalid = converted.flatMap(({ index, result }) => (result.ok ? [] : [{ index, error: refusal(result) }]));
		const strictRefusal = mode === "strict" ? refuseStrict(invalid) : undefined;
		if (strictRefusal) return resendErrorResponse(strictRefusal);
		const valid = converted.flatMap(({ index, result }) => (result.ok ? [{ index, body: result.body }] : []));
		const outcomes: ItemOutcome[] = [...invalid];
		const problems = new Map<number, Problem>();
		if (valid.length) {
			const outcome = await sendBatch(
				sendContext(c),
				{ messages: valid.map((v) => v.body) },
				{ async: false, allOrNothing: mode === "strict" },
			);
			for (const [n, item] of outcome.results.entries()) {
				const index = valid[n].index;
				if (item === undefined) continue;
				if ("code" in item) {
					problems.set(index, item);
					outcomes.push({ index, error: toResendError(item, resendPath) });
				} else outcomes.push({ index, id: item.ref ?? ("id" in item ? item.id : "") });
			}
			if (outcome.kind === "delivered" && outcome.sent !== undefined) c.get("log").sent = outcome.sent;
			// Nothing went: the first email's problem is the answer (Idempotency-Key keeps it by its code).
			const first = [...problems.keys()].sort((x, y) => x - y)[0];
			if (first !== undefined && (outcome.kind === "refused" || !batchAnswer(mode, outcomes).ok)) {
				return problemResponse(itemProblem(problems.get(first) as Problem, first));
			}
		}
		const answer = batchAnswer(mode, outcomes);
		return answer.ok ? c.json(answer.body, 200) : resendErrorResponse(answer.error);
	});
