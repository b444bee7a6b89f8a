/** The SMTP client: what the rest of edgesend may use. */
export { base64Utf8 } from "./auth.ts";
export type { Capabilities } from "./capabilities.ts";
export {
	DEFAULT_TIMEOUTS,
	FINAL_REPLY_FACTOR,
	isLoopback,
	isValidEhloName,
	resolveConfig,
	type SmtpConfig,
	type SmtpSecurity,
} from "./config.ts";
export { DotStuffer, dotStuff } from "./data-stream.ts";
export type { TransactionDeadline } from "./deadline.ts";
export {
	type RejectedRecipient,
	SmtpConfigError,
	SmtpError,
	type SmtpErrorKind,
	type SmtpStage,
} from "./errors.ts";
export { extractRelayId } from "./relay-id.ts";
export { parseReply, ReplyParser, type SmtpReply } from "./reply.ts";
export { type Delivery, type OutgoingMessage, SmtpSession, sendMail } from "./session.ts";
export { type ConnectOptions, type Connector, connectSocket, type SmtpSocket } from "./socket.ts";
export type { TraceFn } from "./wire.ts";
