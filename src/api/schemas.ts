/**
 * The zod schemas of the HTTP API's requests and answers: /openapi.json is
 * generated from them, so the document cannot drift from what is enforced.
 * The message itself is the send path's (send/message-schema.ts).
 */
import { z } from "@hono/zod-openapi";
import { MAX_BATCH, MessageSchema } from "../send/message-schema";
import { TagSchema } from "../send/tags";
import { MESSAGE_STATUSES } from "../store/types";

/** The batch body as documented: what BatchEnvelopeSchema plus MessageSchema per item enforce. */
export const BatchSchema = z
	.strictObject({ messages: z.array(MessageSchema).min(1).max(MAX_BATCH) })
	.openapi("BatchRequest");

const RejectedSchema = z.object({
	address: z.string(),
	code: z.union([z.number().int(), z.literal("recipient_suppressed")]).openapi({
		description: "The relay's SMTP reply code, or recipient_suppressed when we refused it before the relay",
	}),
	enhancedCode: z.string().optional(),
	reply: z.string(),
});

export const WarningSchema = z.object({ code: z.string(), path: z.string(), message: z.string() });

export const SentSchema = z
	.object({
		id: z
			.string()
			.openapi({ description: "The relay's id for the accepted mail", example: "1426390015358_15_6484_8661" }),
		messageId: z.string().openapi({ description: "Our Message-ID header", example: "<a1b2c3@example.com>" }),
		accepted: z.array(z.string()),
		rejected: z.array(RejectedSchema),
		warnings: z.array(WarningSchema),
		ref: z.string().optional().openapi({
			description: "The message's record: GET /v1/messages/{ref} (when the DB binding is present)",
			example: "msg_2f7kq4m6x3b5n7p2r4t6v8y3za",
		}),
	})
	.openapi("Sent");

export const MessageStatusSchema = z.enum(MESSAGE_STATUSES).openapi("MessageStatus");

export const AcceptedSchema = z
	.object({
		ref: z.string().openapi({ example: "msg_2f7kq4m6x3b5n7p2r4t6v8y3za" }),
		status: z.enum(["queued", "scheduled"]),
		messageId: z.string().openapi({ description: "Our Message-ID header", example: "<a1b2c3@example.com>" }),
	})
	.openapi("Accepted");

export const MessageRecordSchema = z
	.object({
		ref: z.string(),
		status: MessageStatusSchema,
		messageId: z.string(),
		relayId: z.string().nullable(),
		from: z.string(),
		to: z.array(z.string()),
		subject: z.string(),
		createdAt: z.string().openapi({ description: "RFC 3339" }),
		sendAt: z.string().nullable(),
		sentAt: z.string().nullable(),
		attempts: z.number().int(),
		lastError: z.unknown().nullable().openapi({ description: "The problem that ended it or the last transient one" }),
		tags: z.array(TagSchema),
		events: z.array(z.object({ type: z.string(), at: z.string(), detail: z.unknown().optional() })).optional(),
	})
	.openapi("MessageRecord");

export const MessageListSchema = z
	.object({
		messages: z.array(MessageRecordSchema),
		cursor: z.string().nullable().openapi({ description: "Pass as ?cursor= for the next page; null: no more" }),
	})
	.openapi("MessageList");

export const ProblemSchema = z
	.object({
		type: z.string(),
		title: z.string(),
		status: z.number().int(),
		detail: z.string(),
		code: z.string().openapi({ example: "validation_failed" }),
		errors: z.array(z.object({ path: z.string().openapi({ example: "to[1].email" }), message: z.string() })).optional(),
		smtp: z
			.object({
				stage: z.string(),
				code: z.number().int().optional(),
				enhancedCode: z.string().optional(),
				reply: z.string().optional(),
			})
			.optional(),
		rejected: z.array(RejectedSchema).optional(),
		retryAfter: z.number().int().optional().openapi({ description: "Seconds, as in Retry-After" }),
	})
	.openapi("Problem");

export const BatchResultSchema = z
	.object({
		results: z.array(z.union([SentSchema.extend({ status: z.literal(200) }), AcceptedSchema, ProblemSchema])),
	})
	.openapi("BatchResult");

export const LimitsSchema = z
	.object({
		limit: z.number().int(),
		used: z.number().int(),
		remaining: z.number().int(),
		resetInMs: z.number().int(),
	})
	.openapi("Limits");

export const DryRunSchema = z
	.object({
		dryRun: z.literal(true),
		size: z.number().int().openapi({ description: "Bytes of the encoded message" }),
		envelope: z.object({ from: z.string(), to: z.array(z.string()) }),
		authUser: z
			.string()
			.openapi({ description: "The AUTH user it would use (api_user or api_user#label)", example: "api_user#42" }),
		messageId: z.string(),
		warnings: z.array(WarningSchema),
		mime: z.string().openapi({ description: "The exact bytes that would be sent, as text" }),
	})
	.openapi("DryRun");

export const BatchDryRunSchema = z
	.object({ results: z.array(z.union([DryRunSchema.extend({ status: z.literal(200) }), ProblemSchema])) })
	.openapi("BatchDryRun");

export const HealthSchema = z.object({ ok: z.literal(true) }).openapi("Health");
