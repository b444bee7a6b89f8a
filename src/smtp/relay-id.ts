/**
 * The relay's id for an accepted message, read from the reply to the final dot:
 * - EngageLab: `250 #1426390015358_15_6484_8661.sc-10_10_127_51-inbound#Queued`
 * - Postfix and many others: `250 2.0.0 Ok: queued as 4C1F2A3B`
 * - Haraka: `250 Message Queued (8A1B2C3D-…)`
 * - anything else: the whole reply text.
 */
const FORMS = [/#([^#\s]+)#Queued\b/i, /\bqueued as\s+<?([^\s<>;,)]+)/i, /\bMessage Queued\s*\(([^()\s]+)\)/i];

export function extractRelayId(reply: string): string {
	for (const form of FORMS) {
		const m = form.exec(reply);
		if (m) return m[1];
	}
	return reply;
}
