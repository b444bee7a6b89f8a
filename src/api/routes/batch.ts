/**
 * POST /v1/batch: up to 100 messages. Each is checked on its own (a bad one
 * is its own problem result, the rest still go), the good ones are admitted
 * with one acquire, and the answer has one result per message, in order.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Handler } from "hono";
import { background } from "../background";
import { readJson } from "../body";
import { type Admitted, type DeliveryReport, deliverMessages, observeRelay } from "../delivery";
import { type DryRun, dryRunOf, isDryRun } from "../dry-run";
import { fieldErrors } from "../field-path";
import { idempotent } from "../idempotency";
import { limitedProblem } from "../limiter";
import { type Problem, validationProblem } from "../problem";
import { BatchDryRunSchema, BatchEnvelopeSchema, BatchResultSchema, BatchSchema } from "../schemas";
import { type Delivered, failure, prepareMessage, type Sent, settle } from "../send-path";
import type { AppEnv } from "../types";
import { dryRunQuery, idempotencyHeaders, problems, rateLimitHeaderDocs, security } from "./common";

export const batchRoute = createRoute({
	method: "post",
	path: "/v1/batch",
	summary: "Send up to 100 messages; one SMTP session per label",
	security: [security.bearer, security.webhook],
	request: {
		headers: idempotencyHeaders,
		query: dryRunQuery,
		body: { required: true, content: { "application/json": { schema: BatchSchema } } },
	},
	responses: {
		200: {
			description:
				"One result per message, in request order: {status: 200, id, …} or a problem (with ?dryRun=true, each a dry run or a problem)",
			headers: rateLimitHeaderDocs,
			content: { "application/json": { schema: z.union([BatchResultSchema, BatchDryRunSchema]) } },
		},
		...problems(400, 401, 403, 409, 413, 415, 500),
	},
});

type Result = (Sent & { status: 200 }) | Problem;

const asResult = (d: Delivered): Result => (d.ok ? { status: 200, ...d.sent } : d.problem);

/** A dry run of each message: one result per message, nothing admitted or sent. */
const batchDry: Handler<AppEnv> = async (c) => {
	const envelope = BatchEnvelopeSchema.safeParse(await readJson(c));
	if (!envelope.success) throw validationProblem(fieldErrors(envelope.error.issues));
	const results: ((DryRun & { status: 200 }) | Problem)[] = [];
	for (const message of envelope.data.messages) {
		try {
			const prepared = await prepareMessage(message, c.get("config"), c.get("caller"));
			results.push({ status: 200, ...(await dryRunOf(prepared, c.get("config"))) });
		} catch (error) {
			results.push(failure(error).problem);
		}
	}
	return c.json({ results }, 200);
};

export const batch: Handler<AppEnv> = (c, next) => (isDryRun(c) ? batchDry(c, next) : batchNow(c, next));

const batchNow: Handler<AppEnv> = (c) =>
	idempotent(c, async () => {
		const config = c.get("config");
		const envelope = BatchEnvelopeSchema.safeParse(await readJson(c));
		if (!envelope.success) throw validationProblem(fieldErrors(envelope.error.issues));
		const messages = envelope.data.messages;
		const results: Result[] = new Array(messages.length);
		let relayReport: DeliveryReport | undefined;
		const ready: Admitted[] = [];
		for (const [index, message] of messages.entries()) {
			try {
				ready.push({ index, prepared: await prepareMessage(message, config, c.get("caller"), c.env.DB) });
			} catch (error) {
				results[index] = failure(error).problem;
			}
		}
		if (ready.length) {
			const limiter = c.get("userLimiter");
			const grant = await limiter.acquire(ready.length);
			const admitted = ready.slice(0, grant.granted);
			for (const { index } of ready.slice(grant.granted)) {
				results[index] = limitedProblem(grant.retryAfterMs, "the api_user");
			}
			const report = await deliverMessages(c.env, config, admitted, (work) => background(c, work));
			const delivered = report.results;
			relayReport = report;
			for (const [index, d] of delivered) results[index] = asResult(d);
			const all = [...delivered.values()];
			await settle(limiter, grant.at, all);
			c.get("log").sent = all.filter((d) => d.ok).length;
		}
		c.get("log").failed = results.filter((r) => r.status !== 200).length;
		const response = c.json({ results }, 200);
		return relayReport ? observeRelay(relayReport, response, c.get("log")) : response;
	});
