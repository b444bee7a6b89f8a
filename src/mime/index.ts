/** The MIME composer: a message object in, bytes for SMTP out. Pure: no I/O. */
export { composeMessage } from "./compose.ts";
export { isContentId } from "./content-id.ts";
export { type IssuePath, type MimeIssue, MimeValidationError } from "./errors.ts";
export type {
	Address,
	AttachmentInput,
	ComposedMessage,
	ComposeOptions,
	MessageInput,
	MimeWarning,
} from "./types.ts";
