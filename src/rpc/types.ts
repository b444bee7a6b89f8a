/**
 * The types a calling Worker sees on `env.EMAIL` (Service<EdgeSend>): the
 * message in the shape of Cloudflare's Email Service `send()` plus the JSON
 * API's own fields, the options, and the answers. Exported from src/index.ts,
 * so a caller's code is fully typed.
 */
import type { Problem } from "../api/problem";
import type { MessageBody } from "../api/schemas";
import type { Sent } from "../api/send-path";
import type { MessageStatus } from "../store/types";

/** Attachment bytes: base64 text (as in the JSON API) or the bytes themselves. */
export type AttachmentContent = string | ArrayBuffer | ArrayBufferView;

type BodyAttachment = NonNullable<MessageBody["attachments"]>[number];

export type EdgeSendAttachment = Omit<BodyAttachment, "content"> & { content?: AttachmentContent };

/** What `send()` takes: the JSON API's message, attachments as base64 or bytes. */
export type EdgeSendMessage = Omit<MessageBody, "attachments"> & { attachments?: EdgeSendAttachment[] };

export interface SendOptions {
	/** A repeat within 24 h (same binding caller) resolves to the first answer and sends nothing. */
	idempotencyKey?: string;
	/** EngageLab label for this message (as the message's `labelId`; both given must agree). */
	labelId?: number | string;
	/** Validate and compose only: resolves to the exact message that would be sent. */
	dryRun?: boolean;
	/** Accept now, deliver through the queue (`Prefer: respond-async`): resolves to an AcceptedResult. */
	async?: boolean;
	/**
	 * Deliver at this time, up to 30 days ahead (as the message's `sendAt`, applied to each message of a
	 * batch; both given must agree). Implies async: resolves to an AcceptedResult with status `scheduled`.
	 */
	sendAt?: string | Date;
}

/**
 * `send()` resolves to this (Cloudflare's binding answers `{messageId}`; the rest is edgesend's).
 * `ref` names the message's record (status(ref)) when edgesend has its DB binding.
 */
export type SendResult = Sent & { ref?: string };

/** An async or scheduled send, accepted and not yet delivered: follow it with status(ref). */
export interface AcceptedResult {
	ref: string;
	status: "queued" | "scheduled";
	messageId: string;
}

export interface DryRunResult {
	dryRun: true;
	size: number;
	envelope: { from: string; to: string[] };
	authUser: string;
	messageId: string;
	warnings: Sent["warnings"];
	mime: string;
}

/** One result per message, in order: a success (`status: 200`) or the problem for that message. */
export interface BatchResult {
	results: ((SendResult & { status: 200 }) | AcceptedResult | Problem)[];
}

export interface BatchDryRunResult {
	results: ((DryRunResult & { status: 200 }) | Problem)[];
}

export interface Limits {
	limit: number;
	used: number;
	remaining: number;
	resetInMs: number;
}

/**
 * What an event's detail holds: a JSON object, kept shallow in the type
 * (`unknown`, or a recursive JSON type, would not type across RPC's Service<>).
 */
export type EventDetail = Record<string, string | number | boolean | null | object>;

/** A message's record, as `GET /v1/messages/{ref}` answers it (times are RFC 3339). */
export interface MessageRecord {
	ref: string;
	status: MessageStatus;
	messageId: string;
	/** The relay's id once it accepted the message. */
	relayId: string | null;
	from: string;
	to: string[];
	subject: string;
	createdAt: string;
	sendAt: string | null;
	sentAt: string | null;
	attempts: number;
	/** The problem that ended it, or the last transient one: what it was, not how it was answered. */
	lastError: Pick<Problem, "code" | "detail" | "smtp" | "rejected"> | null;
	events: { type: string; at: string; detail?: EventDetail }[];
}

export type { MessageStatus, Problem };
