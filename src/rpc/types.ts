/**
 * The types a calling Worker sees on `env.EMAIL` (Service<EdgeSend>): the
 * message in the shape of Cloudflare's Email Service `send()` plus the JSON
 * API's own fields, the options, and the answers. Exported from src/index.ts,
 * so a caller's code is fully typed.
 */
import type { Accepted } from "../send/accept";
import type { DryRun } from "../send/dry-run";
import type { MessageBody } from "../send/message-schema";
import type { Problem } from "../send/problem";
import type { EventDetail, RecordView } from "../send/record-view";
import type { Sent } from "../send/types";
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
export type AcceptedResult = Accepted;

/** What a dry run resolves to: the exact message that would be sent. */
export type DryRunResult = DryRun;

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
 * A message's record, as `GET /v1/messages/{ref}` answers it (times are RFC 3339): the one
 * wire type of send/record-view.ts, with its events (status and cancel always have them).
 */
export type MessageRecord = RecordView & { events: NonNullable<RecordView["events"]> };

export type { EventDetail, MessageStatus, Problem };
