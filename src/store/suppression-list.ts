/**
 * The SuppressionList Durable Object (binding SUPPRESSIONS): addresses an
 * api_user no longer sends to, 16 objects per api_user by a hash of the
 * address (relay-index-name.ts), so a batch asks each object its recipients
 * touch once. Emails are kept lowercased; the first reason sticks.
 */
import { DurableObject } from "cloudflare:workers";
import { placeholders } from "../util/sql";
import { Sql } from "./sql";

/** A Durable Object's SQLite binds at most 100 values in one statement. */
const MAX_BOUND = 100;

export type SuppressionReason = "hard_bounce" | "complaint";

export interface Suppression {
	email: string;
	reason: SuppressionReason;
	relayId: string | null;
	detail: string | null;
	createdAt: number;
}

interface Row extends Record<string, SqlStorageValue> {
	email: string;
	reason: SuppressionReason;
	relay_id: string | null;
	detail: string | null;
	created_at: number;
}

const toSuppression = (r: Row): Suppression => ({
	email: r.email,
	reason: r.reason,
	relayId: r.relay_id,
	detail: r.detail,
	createdAt: r.created_at,
});

export class SuppressionList extends DurableObject {
	readonly #sql: Sql;

	constructor(ctx: DurableObjectState, env: unknown) {
		super(ctx, env as never);
		this.#sql = new Sql(ctx.storage.sql);
		ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS suppressions (
			email TEXT PRIMARY KEY, reason TEXT NOT NULL, relay_id TEXT, detail TEXT, created_at INTEGER NOT NULL)`);
	}

	/** Adds an address; answers whether it was new. */
	add(s: { email: string; reason: SuppressionReason; relayId?: string; detail?: string }, now: number): boolean {
		return (
			this.#sql.run(
				"INSERT INTO suppressions (email, reason, relay_id, detail, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
				s.email.toLowerCase(),
				s.reason,
				s.relayId ?? null,
				s.detail ?? null,
				now,
			) > 0
		);
	}

	/** Which of `emails` are listed (lowercased); asked 100 at a time, SQLite's most bound values in a statement here. */
	among(emails: string[]): Suppression[] {
		const lower = [...new Set(emails.map((e) => e.toLowerCase()))];
		const found: Suppression[] = [];
		for (let i = 0; i < lower.length; i += MAX_BOUND) {
			const chunk = lower.slice(i, i + MAX_BOUND);
			const rows = this.#sql.all<Row>(`SELECT * FROM suppressions WHERE email IN (${placeholders(chunk)})`, ...chunk);
			found.push(...rows.map(toSuppression));
		}
		return found;
	}

	get(email: string): Suppression | undefined {
		const row = this.#sql.one<Row>("SELECT * FROM suppressions WHERE email = ?", email.toLowerCase());
		return row ? toSuppression(row) : undefined;
	}

	remove(email: string): boolean {
		return this.#sql.run("DELETE FROM suppressions WHERE email = ?", email.toLowerCase()) > 0;
	}

	/** A page in address order after `after`. */
	list(after: string | null, limit: number): Suppression[] {
		return this.#sql
			.all<Row>("SELECT * FROM suppressions WHERE email > ? ORDER BY email LIMIT ?", after ?? "", limit)
			.map(toSuppression);
	}
}
