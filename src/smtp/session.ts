/**
 * An SMTP session with a relay: connect, greeting, EHLO, TLS, AUTH, then any
 * number of messages, then QUIT.
 *
 * Round trips: with PIPELINING, MAIL FROM + every RCPT TO + DATA go out in one
 * write, and the content with its final dot in the next; nothing is pipelined
 * behind a final dot (Haraka answers such commands with `503 … pipelined after
 * end of DATA`), so a message costs two round trips on a warm session.
 *
 * After a refusal the session sends RSET at once and waits for its answer:
 * relays often hang up right after saying no (Haraka's DENYDISCONNECT, a 421),
 * and only an answered RSET proves the connection still works. So `usable`
 * is true exactly when the next message can go: the connection is open and
 * proven, and the deadline leaves more time than the longest transaction on
 * this session took (a transaction is not started without the time it needs).
 * A message sent under a rate-limit permit also has its own deadlines
 * (deadline.ts): not started past `startBy`, every wait cut at `contentBy`.
 */
import { authenticate, secretsOf } from "./auth.ts";
import { type Capabilities, parseCapabilities } from "./capabilities.ts";
import { type ResolvedConfig, resolveConfig, type SmtpConfig } from "./config.ts";
import { dataBlocks } from "./data-stream.ts";
import { notStartable, type TransactionDeadline } from "./deadline.ts";
import { type RejectedRecipient, SmtpError } from "./errors.ts";
import { extractRelayId } from "./relay-id.ts";
import type { SmtpReply } from "./reply.ts";
import { connectSocket, type SecureTransport, type SmtpSocket } from "./socket.ts";
import { type Command, Wire } from "./wire.ts";

export interface OutgoingMessage {
	envelope: { from: string; to: string[] };
	/** Exact byte count of body(), for SIZE=. */
	size: number;
	/** Raw message bytes, CRLF or not: dot-stuffing and line endings are handled here. */
	body(): ReadableStream<Uint8Array> | AsyncIterable<Uint8Array>;
	/** BODY=8BITMIME when the relay offers it. */
	eightBit?: boolean;
	/** SMTPUTF8 needed (also when an envelope address is not ASCII); fails if not offered. */
	smtpUtf8?: boolean;
}

export interface Delivery {
	/** The relay's id: EngageLab's `#id#Queued`, `queued as X`, Haraka's `(X)`, else the reply text. */
	id: string;
	/** The relay's reply to the final dot. */
	reply: string;
	accepted: string[];
	rejected: RejectedRecipient[];
}

/** How long close() waits for QUIT's reply, and then for the socket to close. */
const QUIT_WAIT_MS = 1000;
const CLOSE_GRACE_MS = 250;

export class SmtpSession {
	readonly capabilities: Readonly<Capabilities>;
	readonly #wire: Wire;
	/** Set once the connection cannot be used any more. */
	#broken: SmtpError | null = null;
	#closed = false;
	/** Epoch ms: the session deadline. */
	readonly #deadline: number;
	/** The longest a transaction took on this session, MAIL to the final reply: what the next one needs. */
	#longestTransactionMs = 0;
	/** Sends run one after another, whoever calls. */
	#queue: Promise<unknown> = Promise.resolve();

	private constructor(wire: Wire, capabilities: Capabilities, deadline: number) {
		this.#wire = wire;
		this.capabilities = Object.freeze(capabilities);
		this.#deadline = deadline;
	}

	/**
	 * Whether a message sent now can go: the connection is open and proven
	 * (not closed, not lost, an RSET answered after any refusal), and the
	 * deadline leaves more than the longest transaction so far took. When
	 * false, every send fails before writing anything: open a new session.
	 */
	get usable(): boolean {
		return this.#unusable() === undefined;
	}

	/** Connects, reads the greeting, says EHLO, secures the connection and authenticates. */
	static async open(config: SmtpConfig): Promise<SmtpSession> {
		const c = resolveConfig(config);
		const deadline = Date.now() + c.sessionTimeoutMs;
		const endpoint = `${c.host}:${c.port}`;
		const transport: SecureTransport = c.security === "tls" ? "on" : c.security === "starttls" ? "starttls" : "off";
		const connector = c.connector ?? connectSocket;
		let socket: SmtpSocket;
		try {
			socket = connector({ host: c.host, port: c.port, secureTransport: transport });
		} catch (error) {
			throw new SmtpError(`cannot connect to ${endpoint}: ${error instanceof Error ? error.message : error}`, {
				stage: "connect",
				kind: "unavailable",
				cause: error,
			});
		}
		const wire = new Wire(socket, {
			endpoint,
			replyTimeoutMs: c.replyTimeoutMs,
			finalReplyTimeoutMs: c.finalReplyTimeoutMs,
			deadline,
			secrets: secretsOf(c.user, c.pass),
			trace: c.trace,
		});
		try {
			await opened(socket, c, endpoint, deadline);
			// With implicit TLS, a socket error before the first reply is a TLS failure.
			wire.tlsPending = c.security === "tls" ? "implicit" : null;
			wire.expect("greeting");
			const greeting = await wire.next();
			wire.tlsPending = null;
			if (greeting.code !== 220) throw wire.replyError("greeting", greeting, "the relay refused the connection");
			let caps = await ehlo(wire, c.ehloName);
			if (c.security === "starttls") {
				if (!caps.startTls) {
					throw new SmtpError(
						`${endpoint} does not offer STARTTLS, which security "starttls" requires: no credentials were sent`,
						{ stage: "starttls", kind: "protocol" },
					);
				}
				const reply = await wire.command("STARTTLS", "starttls");
				if (reply.code !== 220) throw wire.replyError("starttls", reply, "STARTTLS refused");
				wire.upgrade();
				caps = await ehlo(wire, c.ehloName);
				wire.tlsPending = null;
			}
			if (c.user) await authenticate(wire, caps, c.user, c.pass);
			return new SmtpSession(wire, caps, deadline);
		} catch (error) {
			await wire.close(CLOSE_GRACE_MS);
			throw error;
		}
	}

	/**
	 * Sends one message; throws SmtpError. After a refusal the session stays
	 * usable if its connection does (see `usable`). With a `deadline` (the
	 * permit's), a transaction that cannot start in time is refused with
	 * nothing sent, and one that runs past `contentBy` before its final dot
	 * has gone is cut; the session itself stays as usable as it was.
	 */
	send(message: OutgoingMessage, deadline?: TransactionDeadline): Promise<Delivery> {
		const run = this.#queue.then(() => this.#send(message, deadline));
		this.#queue = run.catch(() => {});
		return run;
	}

	/** QUIT, waiting briefly for its reply; never throws, never hangs. */
	close(): Promise<void> {
		const run = this.#queue.then(() => this.#close());
		this.#queue = run;
		return run;
	}

	async #send(message: OutgoingMessage, deadline: TransactionDeadline | undefined): Promise<Delivery> {
		const unusable = this.#unusable() ?? notStartable(deadline, this.#longestTransactionMs);
		if (unusable) throw unusable;
		const plan = this.#plan(message);
		const started = Date.now();
		this.#wire.contentBy = deadline?.contentBy ?? Number.POSITIVE_INFINITY;
		try {
			return await this.#transaction(message, plan);
		} catch (error) {
			// RSET (or the close) is the session's, not the transaction's: the permit's deadline no longer applies.
			this.#wire.contentBy = Number.POSITIVE_INFINITY;
			const e =
				error instanceof SmtpError ? error : new SmtpError(String(error), { stage: "message", kind: "protocol" });
			// The relay said no (but not 421, "closing"): whether the connection
			// survived its refusal, only an answered RSET tells.
			if (e.reply !== undefined && e.code !== 421) await this.#reset();
			else await this.#break(e);
			throw e;
		} finally {
			this.#wire.contentBy = Number.POSITIVE_INFINITY;
			this.#longestTransactionMs = Math.max(this.#longestTransactionMs, Date.now() - started);
		}
	}

	/** Why a message cannot be sent now, as the error to throw; undefined when it can. */
	#unusable(): SmtpError | undefined {
		if (this.#closed) return new SmtpError("the session is closed", { stage: "mail", kind: "unavailable" });
		if (this.#broken) {
			return new SmtpError(`the session is unusable after an earlier failure: ${this.#broken.message}`, {
				stage: "mail",
				kind: "unavailable",
				cause: this.#broken,
			});
		}
		const left = this.#deadline - Date.now();
		if (left <= this.#longestTransactionMs) {
			return new SmtpError(
				`not started: the session deadline leaves ${Math.max(left, 0)} ms, and a transaction has taken up to ${this.#longestTransactionMs} ms on this session`,
				{ stage: "mail", kind: "timeout" },
			);
		}
		return undefined;
	}

	/** RSET after a refusal; a connection that cannot answer it is done. */
	async #reset(): Promise<void> {
		try {
			const reply = await this.#wire.command("RSET", "mail");
			if (reply.code !== 250) await this.#break(this.#wire.replyError("mail", reply, "RSET refused"));
		} catch (error) {
			await this.#break(
				error instanceof SmtpError ? error : new SmtpError(String(error), { stage: "mail", kind: "protocol" }),
			);
		}
	}

	async #break(error: SmtpError): Promise<void> {
		this.#broken = error;
		await this.#wire.close(CLOSE_GRACE_MS);
	}

	/** The MAIL/RCPT/DATA group, or a refusal (marked `local`) before anything is sent. */
	#plan(message: OutgoingMessage): Command[] {
		const { from, to } = message.envelope;
		checkAddress(from, "mail", true);
		if (!Array.isArray(to) || to.length === 0) {
			throw new SmtpError("a message needs at least one recipient", { stage: "rcpt", kind: "rejected", local: true });
		}
		for (const address of to) checkAddress(address, "rcpt", false);
		if (!Number.isSafeInteger(message.size) || message.size < 0) {
			throw new SmtpError(`the message size must be its byte count (got ${message.size})`, {
				stage: "mail",
				kind: "protocol",
				local: true,
			});
		}
		const caps = this.capabilities;
		const utf8 = message.smtpUtf8 === true || !isAscii(from) || to.some((a) => !isAscii(a));
		if (utf8 && !caps.smtpUtf8) {
			throw new SmtpError("the message needs SMTPUTF8 (non-ASCII addresses), which the relay does not offer", {
				stage: "mail",
				kind: "rejected",
				code: 553,
				enhancedCode: "5.6.7",
				local: true,
			});
		}
		if (caps.size && message.size > caps.size) {
			throw new SmtpError(`the message is ${message.size} bytes; the relay accepts at most ${caps.size} (SIZE)`, {
				stage: "mail",
				kind: "rejected",
				code: 552,
				enhancedCode: "5.3.4",
				local: true,
			});
		}
		let params = "";
		if (caps.size !== undefined) params += ` SIZE=${message.size}`;
		if ((message.eightBit || utf8) && caps.eightBitMime) params += " BODY=8BITMIME";
		if (utf8) params += " SMTPUTF8";
		return [
			{ line: `MAIL FROM:<${from}>${params}`, stage: "mail" },
			...to.map((address): Command => ({ line: `RCPT TO:<${address}>`, stage: "rcpt" })),
			{ line: "DATA", stage: "data" },
		];
	}

	async #transaction(message: OutgoingMessage, group: Command[]): Promise<Delivery> {
		const wire = this.#wire;
		const replies: SmtpReply[] = [];
		if (this.capabilities.pipelining) {
			await wire.send(group);
			// Every reply is read, even after a refusal, to keep the FIFO aligned.
			for (let i = 0; i < group.length; i++) replies.push(await wire.next());
		} else {
			// One command at a time; no DATA without an accepted recipient.
			for (const command of group) {
				if (command.stage === "data" && !replies.some((r, j) => group[j].stage === "rcpt" && isPositive(r))) break;
				const reply = await wire.command(command.line, command.stage);
				replies.push(reply);
				if (command.stage === "mail" && reply.code !== 250) break; // MAIL refused
			}
		}

		const [mail, ...rest] = replies;
		const rcpt = rest.slice(0, message.envelope.to.length);
		const data = rest[message.envelope.to.length] as SmtpReply | undefined;

		if (data?.code === 354 && (mail.code !== 250 || !rcpt.some(isPositive))) {
			// A relay that opened DATA anyway: end it at once, with no content.
			await wire.send([{ line: ".", stage: "data" }]);
			await wire.next();
		}
		if (mail.code !== 250) throw wire.replyError("mail", mail, "the relay refused the sender");

		const accepted: string[] = [];
		const rejected: RejectedRecipient[] = [];
		message.envelope.to.forEach((address, i) => {
			const reply = rcpt[i];
			if (!reply) return;
			if (isPositive(reply)) accepted.push(address);
			else rejected.push({ address, code: reply.code, enhancedCode: reply.enhancedCode, reply: reply.text });
		});
		if (accepted.length === 0) {
			const first = rejected[0];
			const transient = rejected.every((r) => r.code < 500);
			throw new SmtpError(`the relay refused every recipient: ${first.reply}`, {
				stage: "rcpt",
				kind: transient ? "unavailable" : "rejected",
				code: first.code,
				enhancedCode: first.enhancedCode,
				reply: first.reply,
				rejected,
			});
		}
		if (data?.code !== 354) {
			throw wire.replyError("data", data ?? mail, "the relay refused DATA");
		}

		await this.#content(message);
		wire.expect("message", true);
		const final = await wire.next();
		if (final.code !== 250) throw wire.replyError("message", final, "the relay refused the message");
		return { id: extractRelayId(final.text), reply: final.text, accepted, rejected };
	}

	/** The body, normalised and dot-stuffed, in large writes; the last one carries the final dot. */
	async #content(message: OutgoingMessage): Promise<void> {
		const wire = this.#wire;
		let held: Uint8Array | null = null;
		let bytes = 0;
		try {
			for await (const block of dataBlocks(message.body())) {
				if (held) await wire.write(held, "message");
				held = block;
				bytes += block.length;
			}
		} catch (error) {
			if (error instanceof SmtpError) throw error;
			// Ending the data now would deliver a truncated message: drop the connection instead.
			throw new SmtpError(
				`reading the message body failed (${error instanceof Error ? error.message : error}); the connection was dropped so nothing partial is delivered`,
				{ stage: "message", kind: "protocol", cause: error },
			);
		}
		await wire.write(held as Uint8Array, "message", true);
		wire.trace?.("C", `<message data: ${bytes} bytes, ending with CRLF.CRLF>`);
	}

	async #close(): Promise<void> {
		if (this.#closed) return;
		this.#closed = true;
		const wire = this.#wire;
		if (!this.#broken) {
			try {
				wire.replyTimeoutMs = Math.min(wire.replyTimeoutMs, QUIT_WAIT_MS);
				await wire.send([{ line: "QUIT", stage: "quit" }]);
				await wire.next();
			} catch {
				// Nothing to do: the connection is being closed anyway.
			}
		}
		await wire.close(CLOSE_GRACE_MS);
	}
}

/** Opens a session, sends one message (within `deadline`, when given), closes the session. */
export async function sendMail(
	config: SmtpConfig,
	message: OutgoingMessage,
	options: { waitUntil?: (promise: Promise<unknown>) => void; deadline?: TransactionDeadline } = {},
): Promise<Delivery> {
	const session = await SmtpSession.open(config);
	try {
		return await session.send(message, options.deadline);
	} finally {
		const closing = session.close();
		if (options.waitUntil) options.waitUntil(closing);
		else await closing;
	}
}

async function ehlo(wire: Wire, name: string): Promise<Capabilities> {
	const reply = await wire.command(`EHLO ${name}`, "ehlo");
	if (reply.code !== 250) throw wire.replyError("ehlo", reply, "EHLO refused");
	return parseCapabilities(reply);
}

/** Awaits the socket's opening within the connect timeout (workerd has none of its own). */
async function opened(socket: SmtpSocket, c: ResolvedConfig, endpoint: string, deadline: number): Promise<void> {
	const ms = Math.min(c.connectTimeoutMs, deadline - Date.now());
	let timer: ReturnType<typeof setTimeout> | undefined;
	const timeout = new Promise<"timeout">((resolve) => {
		timer = setTimeout(() => resolve("timeout"), ms);
	});
	let outcome: unknown;
	try {
		outcome = await Promise.race([socket.opened.then(() => "open"), timeout]);
	} catch (error) {
		outcome = error;
	} finally {
		if (timer !== undefined) clearTimeout(timer);
	}
	if (outcome === "open") return;
	if (outcome === "timeout") {
		socket.opened.catch(() => {});
		throw new SmtpError(`no connection to ${endpoint} within ${ms} ms`, { stage: "connect", kind: "timeout" });
	}
	const detail = outcome instanceof Error ? outcome.message : String(outcome);
	// With implicit TLS a failed handshake looks like a refused connection: tell them apart
	// by trying plain TCP to the same port.
	if (c.security === "tls" && (await reachable(c, Math.min(ms, 2000)))) {
		throw new SmtpError(
			`TLS handshake with ${endpoint} failed: its certificate is not trusted for this host name, or it does not speak TLS on this port`,
			{ stage: "tls", kind: "tls", cause: outcome },
		);
	}
	throw new SmtpError(`cannot connect to ${endpoint}: ${detail}`, {
		stage: "connect",
		kind: "unavailable",
		cause: outcome,
	});
}

async function reachable(c: ResolvedConfig, ms: number): Promise<boolean> {
	let probe: SmtpSocket;
	try {
		probe = (c.connector ?? connectSocket)({ host: c.host, port: c.port, secureTransport: "off" });
	} catch {
		return false;
	}
	let timer: ReturnType<typeof setTimeout> | undefined;
	try {
		return await Promise.race([
			probe.opened.then(
				() => true,
				() => false,
			),
			new Promise<boolean>((resolve) => {
				timer = setTimeout(() => resolve(false), ms);
			}),
		]);
	} finally {
		if (timer !== undefined) clearTimeout(timer);
		await probe.close(CLOSE_GRACE_MS);
	}
}

function isPositive(reply: SmtpReply): boolean {
	return reply.code >= 200 && reply.code < 300;
}

function isAscii(s: string): boolean {
	return /^[\x20-\x7e]*$/.test(s);
}

// RFC 5321 §4.1.2 Quoted-string: qtextSMTP or quoted-pairSMTP (and UTF-8 under RFC 6531).
const QUOTED_LOCAL = /^"(?:[\x20\x21\x23-\x5b\x5d-\x7e\u0080-\u{10FFFF}]|\\[\x20-\x7e])*"$/u;
// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
const CONTROL = /[\0-\x1f\x7f]/;

/**
 * Whether `address` can stand between `<` and `>` on a command line: a
 * dot-string or quoted-string local part (`"john doe"@example.com`, RFC 5321
 * §4.1.2), nothing that would end the path or the line (a CR/LF would inject
 * commands).
 */
function isEnvelopeAddress(address: string): boolean {
	if (CONTROL.test(address)) return false;
	const at = address.lastIndexOf("@");
	const local = at < 0 ? address : address.slice(0, at);
	const domain = at < 0 ? "" : address.slice(at + 1);
	if (/[\s<>"\\]/.test(domain)) return false;
	return local.startsWith('"') ? QUOTED_LOCAL.test(local) : !/[\s<>"\\]/.test(local);
}

/** Refuses, before anything is sent, an envelope address the command line cannot carry. */
function checkAddress(address: unknown, stage: "mail" | "rcpt", mayBeEmpty: boolean): void {
	const ok =
		typeof address === "string" &&
		(address.length > 0 || mayBeEmpty) &&
		address.length <= 320 &&
		isEnvelopeAddress(address);
	if (!ok) {
		throw new SmtpError(`not a usable envelope address: ${JSON.stringify(String(address).slice(0, 80))}`, {
			stage,
			kind: "rejected",
			local: true,
		});
	}
}
