/**
 * Resend's `scheduled_at`: an ISO 8601 date-time or a phrase in English as
 * Resend takes it ("in 1 hour", "tomorrow at 9am", "Friday at 3pm ET"), at
 * most 30 days ahead. Phrases are read by chrono-node (its English locale
 * only, so the other languages stay out of the bundle), against the request's
 * clock and in UTC when the phrase names no zone. A phrase counts only when
 * chrono read all of it: "Friday at 3pm please" or an IANA zone name chrono
 * does not know would otherwise be cut short without a word.
 */
import { parse as parsePhrase } from "chrono-node/en";
import { MAX_SCHEDULE_MS } from "../../send/async-rules";

/** A client's "now" a little behind ours is still now, not the past. */
const PAST_TOLERANCE_MS = 60_000;

/** `YYYY-MM-DD[T ]hh:mm[:ss[.fff]]` with `Z` or an offset: a date-time that names its instant. */
const isoDateTime = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}(:?\d{2})?)$/i;

export type ScheduledAt = { ok: true; at: number } | { ok: false; message: string };

function instantOf(text: string, nowMs: number): number | undefined {
	if (isoDateTime.test(text)) {
		const at = Date.parse(text.replace(" ", "T"));
		return Number.isNaN(at) ? undefined : at;
	}
	const [first, ...more] = parsePhrase(text, { instant: new Date(nowMs), timezone: "UTC" }, { forwardDate: true });
	if (!first || more.length > 0 || first.index !== 0 || first.text.length !== text.length) return undefined;
	return first.start.date().getTime();
}

/** When `raw` means, as epoch ms, or why it cannot be used. */
export function parseScheduledAt(raw: string, nowMs: number): ScheduledAt {
	const text = raw.trim();
	if (!text) return { ok: false, message: "is empty" };
	const at = instantOf(text, nowMs);
	if (at === undefined) {
		return {
			ok: false,
			message: 'is neither an ISO 8601 date-time with a zone nor a phrase like "in 1 hour" or "Friday at 3pm ET"',
		};
	}
	if (at < nowMs - PAST_TOLERANCE_MS) return { ok: false, message: `is in the past (${new Date(at).toISOString()})` };
	if (at - nowMs > MAX_SCHEDULE_MS) {
		return { ok: false, message: `is more than 30 days ahead (${new Date(at).toISOString()})` };
	}
	return { ok: true, at };
}
