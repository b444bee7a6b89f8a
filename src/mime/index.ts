/** The MIME composer: a message object in, bytes for SMTP out. Pure: no I/O. */
export { composeMessage } from "./compose.ts";
export { isContentId } from "./content-id.ts";
export { extractDataImages } from "./data-uri.ts";
export { type IssuePath, type MimeIssue, MimeValidationError } from "./errors.ts";
export { extensionFor, guessMediaType } from "./media-type.ts";
export type {
	Address,
	AttachmentInput,
	ComposedMessage,
	ComposeOptions,
	MessageInput,
	MimeWarning,
} from "./types.ts";
