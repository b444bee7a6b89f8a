/**
 * POST /v1/batch: up to 100 messages. Each is checked on its own (a bad one
 * is its own problem result, the rest still go), the good ones are admitted
 * with one acquire, and the answer has one result per message, in order.
 */
import { createRoute, z } from "@hono/zod-openapi";
import type { Context, Handler } from "hono";
import type { Accepted } from "../../records/accept";
import { syncRecord, writeSyncRecords } from "../../records/sync-record";
import { fieldErrors } from "../../util/field-path";
import {
	accept,
	acceptedHeaders,
	asyncBindings,
	backlogFull,
	backlogRoom,
	prefersAsync,
	refusePublicAsync,
	senderOf,
} from "../async-send";
import { background } from "../background";
import { readJson } from "../body";
import { type Admitted, type DeliveryReport, deliverMessages, observeRelay } from "../delivery";
import { type DryRun, dryRunOf, isDryRun } from "../dry-run";
import { beforeDelivery, idempotent } from "../idempotency";
import { limitedProblem } from "../limiter";
import { type Problem, validationProblem } from "../problem";
import { afterRecordsWritten } from "../record-events";
import { BatchDryRunSchema, BatchEnvelopeSchema, BatchResultSchema, BatchSchema } from "../schemas";
import { type Delivered, failure, prepareMessage, type Sent, settle } from "../send-path";
import type { AppEnv } from "../types";
import { FetchBudget } from "../url-attachment";
import {
	acceptedHeaderDocs,
	asyncHeaders,
	dryRunQuery,
	idempotencyHeaders,
	problems,
	rateLimitHeaderDocs,
	security,
} from "./common";

export const batchRoute = createRoute({
	method: "post",
	path: "/v1/batch",
	summary: "Send up to 100 messages; one SMTP session per label",
	security: [security.bearer, security.webhook],
	request: {
		headers: idempotencyHeaders.extend(asyncHeaders.shape),
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
		202: {
			description:
				"Prefer: respond-async or a sendAt: one result per message, in order: {ref, status: queued|scheduled, messageId} or a problem",
			headers: acceptedHeaderDocs,
			content: { "application/json": { schema: BatchResultSchema } },
		},
		...problems(400, 401, 403, 409, 413, 415, 422, 429, 500, 502),
	},
});

type Result = (Sent & { status: 200; ref?: string }) | Accepted | Problem;

/**
 * The encoded messages of one batch together: they are all held at once, and
 * `url` attachments could otherwise make 100 × MAX_MESSAGE_BYTES of a 128 MB
 * isolate. A message that would go past it is its own 413.
 */
export const MAX_BATCH_BYTES = 32_000_000;

const asResult = (d: Delivered, ref?: string): Result =>
	d.ok ? { status: 200, ...d.sent, ...(ref ? { ref } : {}) } : d.problem;

/** Async: every valid message queued (202), in order, as far as the backlog has room. */
async function batchLater(c: Context<AppEnv>, ready: Admitted[], results: Result[]): Promise<Response> {
	refusePublicAsync(c);
	const env = asyncBindings(c);
	const room = await backlogRoom(c, env.DB, ready.length);
	const now = Date.now();
	for (const [n, { index, prepared }] of ready.entries()) {
		try {
			results[index] = n < room ? await accept(c, env, prepared, now) : backlogFull();
		} catch (error) {
			results[index] = failure(error).problem;
		}
	}
	acceptedHeaders(c);
	return c.json({ results }, 202);
}

/** The records of a sync batch's deliveries (when D1 is bound): ref by request index. */
async function recordSyncBatch(
	c: Context<AppEnv>,
	admitted: readonly Admitted[],
	delivered: Map<number, Delivered>,
): Promise<Map<number, string>> {
	const refs = new Map<number, string>();
	const db = c.env.DB;
	if (!db) return refs;
	const now = Date.now();
	const written = admitted.flatMap(({ index, prepared }) => {
		const d = delivered.get(index);
		if (!d) return [];
		const record = syncRecord(db, senderOf(c), prepared, d, now);
		refs.set(index, record.ref);
		return [record];
	});
	await writeSyncRecords(db, written);
	afterRecordsWritten(c, refs.values());
	return refs;
}

/** A dry run of each message: one result per message, nothing admitted or sent. */
const batchDry: Handler<AppEnv> = async (c) => {
	const envelope = BatchEnvelopeSchema.safeParse(await readJson(c));
	if (!envelope.success) throw validationProblem(fieldErrors(envelope.error.issues));
	const results: ((DryRun & { status: 200 }) | Problem)[] = [];
	// One fetch budget for the whole batch, as when it is sent.
	const bounds = { maxBytes: c.get("config").maxMessageBytes, what: "MAX_MESSAGE_BYTES", fetches: new FetchBudget() };
	for (const message of envelope.data.messages) {
		try {
			const prepared = await prepareMessage(message, c.get("config"), c.get("caller"), undefined, bounds);
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
		const fetches = new FetchBudget();
		let bytesLeft = MAX_BATCH_BYTES;
		for (const [index, message] of messages.entries()) {
			const batchBound = bytesLeft < config.maxMessageBytes;
			const bounds = {
				maxBytes: batchBound ? bytesLeft : config.maxMessageBytes,
				what: batchBound ? `the batch's total of ${MAX_BATCH_BYTES} bytes` : "MAX_MESSAGE_BYTES",
				fetches,
			};
			try {
				const prepared = await prepareMessage(message, config, c.get("caller"), c.env.DB, bounds);
				bytesLeft -= prepared.composed.size;
				ready.push({ index, prepared });
			} catch (error) {
				results[index] = failure(error).problem;
			}
		}
		if (prefersAsync(c) || ready.some((r) => r.prepared.body.sendAt !== undefined)) {
			return batchLater(c, ready, results);
		}
		if (ready.length) {
			const limiter = c.get("userLimiter");
			const grant = await limiter.acquire(ready.length);
			const admitted = ready.slice(0, grant.granted);
			for (const { index } of ready.slice(grant.granted)) {
				results[index] = limitedProblem(grant.retryAfterMs, "the api_user");
			}
			if (admitted.length) await beforeDelivery(c);
			const report = await deliverMessages(c.env, config, admitted, (work) => background(c, work));
			const delivered = report.results;
			relayReport = report;
			const refs = await recordSyncBatch(c, admitted, delivered);
			for (const [index, d] of delivered) results[index] = asResult(d, refs.get(index));
			const all = [...delivered.values()];
			await settle(limiter, grant.at, all);
			c.get("log").sent = all.filter((d) => d.ok).length;
		}
		c.get("log").failed = results.filter((r) => r.status !== 200).length;
		const response = c.json({ results }, 200);
		return relayReport ? observeRelay(relayReport, response, c.get("log")) : response;
	});
