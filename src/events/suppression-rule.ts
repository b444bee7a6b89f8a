/**
 * Whether a provider event puts its recipient on the suppression list. Only
 * a complaint, or a hard bounce the provider calls permanent: a 5.x.x
 * enhanced code or a 5xx reply in its detail, or, with no code at all, the
 * provider's own "invalid email" status (that is what a `bounced` event is);
 * a 4.x.x or 4xx in the detail says "not now", never "never". A soft bounce,
 * a delivery or an engagement event never suppresses. And never a public
 * key's own recipients: a public form mails the operator's inbox, and a
 * bounce of it (hostile content, the operator's server saying 5xx for a
 * while) must not stop the form for good. Pure.
 */
import type { Config } from "../config";
import type { SuppressionReason } from "../store/suppression-list";
import type { ProviderEvent } from "./engagelab-payload";
import { eventRules } from "./status-rules";

/** The class (4 or 5) of the first SMTP code in `detail`: enhanced (5.1.1) first, else a reply code (550). */
function codeClass(detail: string): "4" | "5" | undefined {
	const enhanced = /(?:^|[^\d.])([45])\.\d{1,3}\.\d{1,3}(?![\d.])/.exec(detail);
	if (enhanced) return enhanced[1] as "4" | "5";
	const reply = /(?:^|[^\w.])([45])\d\d(?=[\s\-:;,)]|$)/.exec(detail);
	return reply ? (reply[1] as "4" | "5") : undefined;
}

/** The reason to suppress `event.recipient`, or undefined to leave it. */
export function suppressionFor(
	event: ProviderEvent,
	config: Pick<Config, "publicKeys">,
): { email: string; reason: SuppressionReason } | undefined {
	const reason = eventRules[event.type].suppress;
	const email = event.recipient?.toLowerCase();
	if (!reason || !email) return undefined;
	if (config.publicKeys.some((key) => key.to.includes(email))) return undefined;
	if (reason === "hard_bounce" && event.detail && codeClass(event.detail) === "4") return undefined;
	return { email, reason };
}
