/**
 * What an outbound event says about the email it belongs to, read from its
 * record once, when the event is published: the ref and Message-ID, the
 * sender and recipients as the caller wrote them, the subject, when it was
 * created, and its tags. Our own events carry the tags; Resend-shaped ones
 * (resend-webhook.ts) are built from all of it.
 */
import type { MessageRecord, Tag } from "../store/types";

export interface EmailFacts {
	ref: string;
	messageId: string | null;
	/** As the caller wrote it: `Name <addr>`. */
	from: string;
	to: string[];
	subject: string;
	createdAt: number;
	tags: readonly Tag[];
}

/** The facts of a record (one from before addresses were kept: its envelope's). */
export const emailFactsOf = (r: MessageRecord): EmailFacts => ({
	ref: r.ref,
	messageId: r.messageId,
	from: r.addresses?.from ?? r.from,
	to: r.addresses?.to ?? r.to,
	subject: r.subject,
	createdAt: r.createdAt,
	tags: r.tags,
});
