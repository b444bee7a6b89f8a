/**
 * Input checks, all at once: every problem is reported with the path of its
 * field (`["to", 1, "name"]`), and nothing with a CR, LF or NUL where a header
 * is made of it ever gets further. What passes comes out normalized.
 */
import { type Mailbox, parseAddress } from "./address.ts";
import { isContentId } from "./content-id.ts";
import { type IssuePath, type MimeIssue, MimeValidationError } from "./errors.ts";
import { isFieldName } from "./headers.ts";
import { guessMediaType, isMediaType } from "./media-type.ts";
import type { Address, AttachmentInput, MessageInput } from "./types.ts";

export interface ValidAttachment {
	/** Position in `attachments`, for warnings. */
	index: number;
	filename: string;
	type: string;
	disposition: "attachment" | "inline";
	/** Without angle brackets. */
	contentId?: string;
	content: Uint8Array;
}

export interface ValidMessage {
	from: Mailbox;
	to: Mailbox[];
	cc: Mailbox[];
	bcc: Mailbox[];
	replyTo: Mailbox[];
	subject: string;
	text?: string;
	html?: string;
	attachments: ValidAttachment[];
	headers: [name: string, value: string][];
}

/**
 * Header fields the composer writes itself, and what to use instead. Reply-To
 * is among them: it is an address list, checked and encoded like `to`.
 */
const OWNED = new Map([
	["from", "use the from field"],
	["to", "use the to field"],
	["cc", "use the cc field"],
	["bcc", "use the bcc field"],
	["reply-to", "use the replyTo field"],
	["subject", "use the subject field"],
	["date", "the composer writes the Date header"],
	["message-id", "the composer writes the Message-ID header"],
	// Read by the relay (EngageLab, SendCloud) as delivery instructions: its `to` replaces the recipients.
	["x-smtpapi", "the relay reads it as delivery instructions (it can replace the recipients)"],
	["mime-version", "the composer writes the MIME-Version header"],
	...["return-path", "received"].map((n) => [n, "the receiving servers write it (trace fields)"] as const),
]);

// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is what this refuses
const LINE_BREAK_OR_NUL = /[\r\n\u0000]/;
const NO_LINE_BREAK = "must not contain CR, LF or NUL";

class Issues {
	readonly list: MimeIssue[] = [];

	add(path: IssuePath, message: string): void {
		this.list.push({ path, message });
	}

	/** Checks a string that ends up in a header; true when it may be used. */
	text(value: unknown, path: IssuePath, required: boolean): value is string {
		if (value === undefined && !required) return false;
		if (typeof value !== "string") this.add(path, required ? "is required (a string)" : "must be a string");
		else if (LINE_BREAK_OR_NUL.test(value)) this.add(path, NO_LINE_BREAK);
		else return true;
		return false;
	}
}

export function validate(input: MessageInput): ValidMessage {
	const issues = new Issues();
	const message: ValidMessage = {
		from: mailbox(issues, input.from, ["from"]) ?? { address: "", key: "", utf8: false },
		to: mailboxes(issues, input.to, ["to"], true),
		cc: mailboxes(issues, input.cc, ["cc"], false),
		bcc: mailboxes(issues, input.bcc, ["bcc"], false),
		replyTo: mailboxes(issues, input.replyTo, ["replyTo"], false),
		subject: issues.text(input.subject, ["subject"], true) ? input.subject : "",
		attachments: [],
		headers: [],
	};
	if (message.to.length + message.cc.length + message.bcc.length === 0 && Array.isArray(input.to)) {
		issues.add(["to"], "needs at least one recipient in to, cc or bcc");
	}
	for (const key of ["text", "html"] as const) {
		if (input[key] !== undefined && typeof input[key] !== "string") issues.add([key], "must be a string");
		else message[key] = input[key];
	}
	if (message.text === undefined && message.html === undefined) issues.add(["text"], "text or html is required");
	if (input.attachments !== undefined && !Array.isArray(input.attachments))
		issues.add(["attachments"], "must be a list");
	else message.attachments = attachments(issues, input.attachments ?? []);
	if (input.headers !== undefined && (typeof input.headers !== "object" || input.headers === null)) {
		issues.add(["headers"], "must be an object of header names to values");
	} else message.headers = headers(issues, input.headers ?? {});
	if (issues.list.length) throw new MimeValidationError(issues.list);
	return message;
}

function mailbox(issues: Issues, value: Address | undefined, path: IssuePath): Mailbox | undefined {
	if (typeof value !== "object" || value === null) {
		issues.add(path, "is required (an object with email and optional name)");
		return undefined;
	}
	const nameOk = value.name === undefined || issues.text(value.name, [...path, "name"], false);
	if (!issues.text(value.email, [...path, "email"], true)) return undefined;
	const parsed = parseAddress(value.email);
	if (typeof parsed === "string") {
		issues.add([...path, "email"], parsed);
		return undefined;
	}
	return nameOk && value.name ? { ...parsed, name: value.name } : parsed;
}

function mailboxes(issues: Issues, list: Address[] | undefined, path: IssuePath, required: boolean): Mailbox[] {
	if (list === undefined && !required) return [];
	if (!Array.isArray(list)) {
		issues.add(path, "must be a list of addresses");
		return [];
	}
	return list.flatMap((value, i) => mailbox(issues, value, [...path, i]) ?? []);
}

function attachments(issues: Issues, list: AttachmentInput[]): ValidAttachment[] {
	const seen = new Set<string>();
	return list.flatMap((value, index): ValidAttachment[] => {
		const path = ["attachments", index];
		if (typeof value !== "object" || value === null) {
			issues.add(path, "must be an object");
			return [];
		}
		const before = issues.list.length;
		if (issues.text(value.filename, [...path, "filename"], true) && value.filename === "") {
			issues.add([...path, "filename"], "must not be empty");
		}
		if (issues.text(value.type, [...path, "type"], false) && !(isMediaType(value.type) && value.type.length <= 255)) {
			issues.add([...path, "type"], "is not a media type like image/png (at most 255 characters)");
		}
		const disposition = value.disposition ?? "attachment";
		if (disposition !== "attachment" && disposition !== "inline") {
			issues.add([...path, "disposition"], 'must be "attachment" or "inline"');
		}
		let contentId: string | undefined;
		if (issues.text(value.contentId, [...path, "contentId"], false)) {
			contentId = value.contentId.replace(/^<(.*)>$/, "$1");
			if (!isContentId(contentId)) {
				issues.add(
					[...path, "contentId"],
					'must be a msg-id like part1@example.com or logo: at most 255 ASCII characters, no spaces, no "(),:;<>[\\] and no leading, trailing or double dots',
				);
			} else if (seen.has(contentId)) issues.add([...path, "contentId"], "is used by another attachment");
			seen.add(contentId);
		}
		if (!(value.content instanceof Uint8Array)) issues.add([...path, "content"], "must be bytes (Uint8Array)");
		if (issues.list.length > before) return [];
		return [
			{
				index,
				filename: value.filename,
				type: value.type ?? guessMediaType(value.filename),
				disposition,
				contentId,
				content: value.content,
			},
		];
	});
}

function headers(issues: Issues, record: Record<string, string>): [string, string][] {
	return Object.entries(record).flatMap(([name, value]): [string, string][] => {
		const path = ["headers", name];
		if (!isFieldName(name)) {
			issues.add(path, "is not a header field name (printable ASCII, no spaces or colon)");
		} else if (name.length > 76) {
			issues.add(path, "is longer than 76 characters");
		} else if (OWNED.has(name.toLowerCase()) || /^content-/i.test(name)) {
			const instead = OWNED.get(name.toLowerCase()) ?? "the composer writes Content-* headers for each part";
			issues.add(path, `cannot be set through headers: ${instead}`);
		} else if (issues.text(value, path, true)) return [[name, value]];
		return [];
	});
}
