/**
 * The suppression list in D1 (migrations/0002_events.sql), per api_user:
 * addresses that hard-bounced or complained. Emails are kept lowercased.
 * The first reason sticks: a later bounce of a listed address changes nothing.
 */
import { placeholders } from "../util/sql";

export interface Suppression {
	email: string;
	reason: "hard_bounce" | "complaint";
	relayId: string | null;
	detail: string | null;
	createdAt: string;
}

interface Row {
	email: string;
	reason: Suppression["reason"];
	relay_id: string | null;
	detail: string | null;
	created_at: number;
}

const toSuppression = (r: Row): Suppression => ({
	email: r.email,
	reason: r.reason,
	relayId: r.relay_id,
	detail: r.detail,
	createdAt: new Date(r.created_at).toISOString(),
});

export interface NewSuppression {
	email: string;
	reason: Suppression["reason"];
	relayId?: string;
	detail?: string;
}

/** Adds an address; answers whether it was new. */
export async function suppress(db: D1Database, apiUser: string, s: NewSuppression, nowMs: number): Promise<boolean> {
	const result = await db
		.prepare(
			"INSERT INTO suppressions (api_user, email, reason, relay_id, detail, created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
		)
		.bind(apiUser, s.email.toLowerCase(), s.reason, s.relayId ?? null, s.detail ?? null, nowMs)
		.run();
	return result.meta.changes > 0;
}

/** Which of `emails` are suppressed (lowercased). */
export async function suppressedAmong(
	db: D1Database,
	apiUser: string,
	emails: readonly string[],
): Promise<Set<string>> {
	const wanted = [...new Set(emails.map((e) => e.toLowerCase()))];
	const found = new Set<string>();
	// D1 allows 100 bound parameters per statement.
	for (let i = 0; i < wanted.length; i += 90) {
		const chunk = wanted.slice(i, i + 90);
		const { results } = await db
			.prepare(`SELECT email FROM suppressions WHERE api_user = ? AND email IN (${placeholders(chunk)})`)
			.bind(apiUser, ...chunk)
			.all<{ email: string }>();
		for (const r of results) found.add(r.email);
	}
	return found;
}

export async function getSuppression(db: D1Database, apiUser: string, email: string): Promise<Suppression | undefined> {
	const row = await db
		.prepare("SELECT email, reason, relay_id, detail, created_at FROM suppressions WHERE api_user = ? AND email = ?")
		.bind(apiUser, email.toLowerCase())
		.first<Row>();
	return row ? toSuppression(row) : undefined;
}

/** Answers whether there was one to delete. */
export async function deleteSuppression(db: D1Database, apiUser: string, email: string): Promise<boolean> {
	const result = await db
		.prepare("DELETE FROM suppressions WHERE api_user = ? AND email = ?")
		.bind(apiUser, email.toLowerCase())
		.run();
	return result.meta.changes > 0;
}

/** A page in email order; `after` is the last email of the previous page. */
export async function listSuppressions(
	db: D1Database,
	apiUser: string,
	after: string | undefined,
	limit: number,
): Promise<{ items: Suppression[]; last?: string }> {
	const { results } = await db
		.prepare(
			"SELECT email, reason, relay_id, detail, created_at FROM suppressions WHERE api_user = ? AND email > ? ORDER BY email LIMIT ?",
		)
		.bind(apiUser, after ?? "", limit + 1)
		.all<Row>();
	const items = results.slice(0, limit).map(toSuppression);
	return results.length > limit ? { items, last: items[items.length - 1]?.email } : { items };
}
