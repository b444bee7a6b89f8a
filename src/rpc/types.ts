/**
 * The types a calling Worker sees on `env.EMAIL` (Service<EdgeSend>): the
 * message in the shape of Cloudflare's Email Service `send()` plus the JSON
 * API's own fields, the options, and the answers. Exported from src/index.ts,
 * so a caller's code is fully typed.
 */
import type { Problem } from "../api/problem";
import type { MessageBody } from "../api/schemas";
import type { Sent } from "../api/send-path";

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
}

/** `send()` resolves to this (Cloudflare's binding answers `{messageId}`; the rest is edgesend's). */
export type SendResult = Sent;

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
	results: ((SendResult & { status: 200 }) | Problem)[];
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

export type { Problem };
