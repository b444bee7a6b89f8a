/**
 * The wire: commands out, replies in, matched first-in first-out.
 *
 * Every command written joins a FIFO of pending commands; every reply parsed
 * answers the oldest one, so a pipelined group (several commands in one write)
 * gets its replies matched in order. Every wait is bounded by the per-reply
 * timeout and by the session deadline, except those after a message's final
 * dot has started out: the write carrying it has the per-reply timeout, its
 * reply the final-reply timeout, and neither is cut by the deadline (cutting
 * them would leave the outcome unknown). A transaction sent under a permit
 * also has a content deadline (`contentBy`, deadline.ts): it cuts every wait
 * up to and including the write carrying the final dot, not the wait for the
 * final reply (the relay has the message by then). Socket failures become
 * SmtpErrors of the right stage and kind. Secrets are masked in everything
 * this produces.
 */
import { SmtpError, type SmtpStage } from "./errors.ts";
import { ReplyParser, ReplySyntaxError, type SmtpReply } from "./reply.ts";
import type { SmtpSocket } from "./socket.ts";

export type TraceFn = (direction: "C" | "S", line: string) => void;

export interface WireOptions {
	/** `host:port`, for messages. */
	endpoint: string;
	replyTimeoutMs: number;
	/** The wait for the reply to a final dot. */
	finalReplyTimeoutMs: number;
	/** Epoch ms after which nothing more is awaited (but what follows a final dot). */
	deadline: number;
	/** Strings never to show (base64 of the password…): replaced by `***`. */
	secrets: string[];
	trace?: TraceFn;
}

export interface Command {
	line: string;
	stage: SmtpStage;
	/** What traces show instead of `line` (for credentials). */
	shown?: string;
}

interface Pending {
	stage: SmtpStage;
	/** Awaiting the reply to a message's final dot: a lost connection leaves the outcome unknown. */
	afterDot: boolean;
}

const encoder = new TextEncoder();

export class Wire {
	/**
	 * Set while a TLS handshake is not yet proven by a reply: socket errors then
	 * are TLS failures (after STARTTLS, so is a connection closed on us).
	 */
	tlsPending: "implicit" | "starttls" | null = null;
	/** The longest wait for one reply or write (close() shortens it for QUIT). */
	replyTimeoutMs: number;
	/** Epoch ms: the content deadline of the transaction in progress (Infinity outside one, or without a permit). */
	contentBy = Number.POSITIVE_INFINITY;
	readonly trace: TraceFn | undefined;
	private socket: SmtpSocket;
	private readonly parser = new ReplyParser();
	private readonly ready: SmtpReply[] = [];
	private readonly pending: Pending[] = [];
	private closed = false;

	constructor(
		socket: SmtpSocket,
		private readonly options: WireOptions,
	) {
		this.socket = socket;
		this.replyTimeoutMs = options.replyTimeoutMs;
		this.trace = options.trace;
	}

	/** Writes the commands in one write (a pipelined group when there are several). */
	async send(commands: Command[]): Promise<void> {
		let text = "";
		for (const c of commands) {
			text += `${c.line}\r\n`;
			this.pending.push({ stage: c.stage, afterDot: false });
			this.trace?.("C", this.mask(c.shown ?? c.line));
		}
		await this.write(encoder.encode(text), commands[0].stage);
	}

	/** Expects a reply no command asks for (the greeting, the reply to the final dot). */
	expect(stage: SmtpStage, afterDot = false): void {
		this.pending.push({ stage, afterDot });
	}

	/** One command, one reply. */
	async command(line: string, stage: SmtpStage, shown?: string): Promise<SmtpReply> {
		await this.send([{ line, stage, shown }]);
		return this.next();
	}

	/** The reply to the oldest pending command. */
	async next(): Promise<SmtpReply> {
		const head = this.pending[0];
		if (!head) throw new SmtpError("internal: no command awaits a reply", { stage: "quit", kind: "protocol" });
		while (this.ready.length === 0) {
			let chunk: Uint8Array | null;
			try {
				chunk = await this.bounded(this.socket.read(), head, "reply");
			} catch (error) {
				throw this.failure(error, head);
			}
			if (chunk === null) throw this.lost(head);
			try {
				for (const reply of this.parser.push(chunk)) this.ready.push(this.redact(reply));
			} catch (error) {
				if (!(error instanceof ReplySyntaxError)) throw error;
				throw new SmtpError(`${this.options.endpoint} broke the protocol: ${this.mask(error.message)}`, {
					stage: head.stage,
					kind: "protocol",
				});
			}
		}
		this.pending.shift();
		const reply = this.ready.shift() as SmtpReply;
		if (this.trace) for (const line of reply.text.split("\n")) this.trace("S", line);
		return reply;
	}

	/** Writes raw bytes (message data), bounded by the reply timeout and the deadline. */
	async write(bytes: Uint8Array, stage: SmtpStage, carriesDot = false): Promise<void> {
		const at: Pending = { stage, afterDot: carriesDot };
		try {
			await this.bounded(this.socket.write(bytes), at, "write");
		} catch (error) {
			throw this.failure(error, at);
		}
	}

	/** STARTTLS accepted: continue over TLS, dropping every byte received before (RFC 3207). */
	upgrade(): void {
		this.parser.reset();
		this.ready.length = 0;
		this.pending.length = 0;
		this.socket = this.socket.startTls();
		this.tlsPending = "starttls";
	}

	/** Whether bytes or replies nobody asked for are buffered. */
	get hasUnread(): boolean {
		return this.ready.length > 0 || this.parser.pending;
	}

	async close(graceMs: number): Promise<void> {
		if (this.closed) return;
		this.closed = true;
		await this.socket.close(graceMs);
	}

	/** The SmtpError for a reply that says no. */
	replyError(stage: SmtpStage, reply: SmtpReply, what: string): SmtpError {
		const kind = reply.code >= 500 ? "rejected" : reply.code >= 400 ? "unavailable" : "protocol";
		return new SmtpError(`${what}: ${reply.text}`, {
			stage,
			kind,
			code: reply.code,
			enhancedCode: reply.enhancedCode,
			reply: reply.text,
		});
	}

	/** Replaces every secret in `text` by `***`. */
	mask(text: string): string {
		let out = text;
		for (const secret of this.options.secrets) if (out.includes(secret)) out = out.split(secret).join("***");
		return out;
	}

	private redact(reply: SmtpReply): SmtpReply {
		const text = this.mask(reply.text);
		if (text === reply.text) return reply;
		return { ...reply, text, lines: reply.lines.map((l) => this.mask(l)) };
	}

	/** Races `work` against its timeout and (before a final dot) the session deadline; leaves no timer behind. */
	private async bounded<T>(work: Promise<T>, at: Pending, waitFor: "reply" | "write"): Promise<T> {
		const what = waitFor === "reply" ? (at.afterDot ? "the reply to the final dot" : "a reply") : "a write to complete";
		const finalReply = at.afterDot && waitFor === "reply";
		const limit = finalReply ? this.options.finalReplyTimeoutMs : this.replyTimeoutMs;
		const now = Date.now();
		const sessionLeft = at.afterDot ? Number.POSITIVE_INFINITY : this.options.deadline - now;
		const contentLeft = finalReply ? Number.POSITIVE_INFINITY : this.contentBy - now;
		const ms = Math.min(limit, sessionLeft, contentLeft);
		const cause =
			contentLeft <= Math.min(limit, sessionLeft)
				? "the permit's content deadline passed"
				: sessionLeft <= limit
					? "the session deadline passed"
					: `no progress within ${ms} ms`;
		// A wait that runs out during a TLS handshake is the handshake's.
		const stage = this.tlsPending ? "tls" : at.stage;
		const timeout = () =>
			new SmtpError(
				`${this.options.endpoint}: ${cause} waiting for ${what} (${stage})${at.afterDot ? "; the message may have been accepted" : ""}`,
				{ stage, kind: at.afterDot ? "unknown" : "timeout" },
			);
		if (ms <= 0) {
			work.catch(() => {});
			throw timeout();
		}
		let timer: ReturnType<typeof setTimeout> | undefined;
		try {
			return await Promise.race([
				work,
				new Promise<never>((_, reject) => {
					timer = setTimeout(() => reject(timeout()), ms);
				}),
			]);
		} finally {
			if (timer !== undefined) clearTimeout(timer);
			work.catch(() => {});
		}
	}

	private lost(at: Pending): SmtpError {
		if (this.tlsPending === "starttls") return this.tlsFailure(undefined);
		if (at.afterDot) {
			return new SmtpError(
				`${this.options.endpoint} closed the connection after the end of the message and before its reply: the message may have been accepted`,
				{ stage: "message", kind: "unknown" },
			);
		}
		return new SmtpError(`${this.options.endpoint} closed the connection (${at.stage})`, {
			stage: at.stage,
			kind: "unavailable",
		});
	}

	private failure(error: unknown, at: Pending): SmtpError {
		if (error instanceof SmtpError) return error;
		if (this.tlsPending) return this.tlsFailure(error);
		const detail = error instanceof Error ? error.message : String(error);
		if (at.afterDot) {
			return new SmtpError(
				`the connection to ${this.options.endpoint} failed after the end of the message and before its reply (${detail}): the message may have been accepted`,
				{ stage: "message", kind: "unknown", cause: error },
			);
		}
		return new SmtpError(`the connection to ${this.options.endpoint} failed (${at.stage}): ${detail}`, {
			stage: at.stage,
			kind: "unavailable",
			cause: error,
		});
	}

	private tlsFailure(cause: unknown): SmtpError {
		return new SmtpError(
			`TLS handshake with ${this.options.endpoint} failed: its certificate is not trusted for this host name, or it does not speak TLS`,
			{ stage: "tls", kind: "tls", cause },
		);
	}
}
