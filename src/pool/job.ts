/**
 * What crosses the RPC boundary between the Worker and a RelayPool object:
 * plain data only (an SmtpError would lose its class and fields on the way),
 * plus the message body as a byte stream.
 */
import {
	type Capabilities,
	type Delivery,
	type SmtpConfig,
	SmtpError,
	type SmtpErrorKind,
	type SmtpStage,
	type TransactionDeadline,
} from "../smtp";

/** The SMTP settings of one AUTH user (api_user or api_user#label); no connector, no trace. */
export type PoolSmtpConfig = Omit<SmtpConfig, "connector" | "trace">;

/** One composed message for the pool to deliver. */
export interface PoolJob {
	smtp: PoolSmtpConfig;
	envelope: { from: string; to: string[] };
	size: number;
	eightBit: boolean;
	smtpUtf8: boolean;
	/** Read at most once, after the relay opened DATA; cancelled when the message is not sent. */
	body: ReadableStream<Uint8Array>;
	/** SMTP_POOL_IDLE_MS: QUIT a session unused this long. */
	idleMs: number;
	/** The permit's deadline (smtp/deadline.ts): waiting for a session counts against it, as the transaction does. */
	deadline?: TransactionDeadline;
}

/** An SmtpError as plain data. */
export interface SmtpErrorData {
	message: string;
	stage: SmtpStage;
	kind: SmtpErrorKind;
	code?: number;
	enhancedCode?: string;
	reply?: string;
	rejected?: SmtpError["rejected"];
}

/**
 * - `sent` / `failed`: the relay's answer; `warm` says whether the session was already open.
 * - `unfit`: the message needs what the relay does not offer (SIZE, SMTPUTF8): nothing was sent.
 * - `busy`: every socket of this object is in use: try another shard, or send directly.
 */
export type PoolReply =
	| { kind: "sent"; delivery: Delivery; warm: boolean }
	| { kind: "failed"; error: SmtpErrorData; warm: boolean }
	| { kind: "unfit"; capabilities: Capabilities }
	| { kind: "busy" };

export function errorData(error: SmtpError): SmtpErrorData {
	const { message, stage, kind, code, enhancedCode, reply, rejected } = error;
	return {
		message,
		stage,
		kind,
		...(code === undefined ? {} : { code }),
		...(enhancedCode === undefined ? {} : { enhancedCode }),
		...(reply === undefined ? {} : { reply }),
		...(rejected === undefined ? {} : { rejected }),
	};
}

export function errorFromData(data: SmtpErrorData): SmtpError {
	const { message, ...init } = data;
	return new SmtpError(message, init);
}
