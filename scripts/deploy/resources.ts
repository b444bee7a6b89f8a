/**
 * Creates what `wrangler deploy` would not: each declared D1 database the
 * account lacks (before the deploy, so its migrations can run first) and
 * each queue no producer binding names (dead-letter queues, queues only
 * consumed here), which the deploy checks for and refuses to go on without.
 * What exists is left alone, so a second run creates nothing.
 */
import type { DeclaredDatabase, DeclaredQueue } from "./declared.ts";
import { jsonOutput, runWrangler, said, stopAt } from "./wrangler-cli.ts";

/** One line per resource: its name and what happened to it. */
export type Outcome = string;

export async function ensureDatabases(databases: DeclaredDatabase[]): Promise<Outcome[]> {
	const byName = databases.filter((db) => !db.id);
	const lines = databases.filter((db) => db.id).map((db) => `D1 ${db.name} (${db.binding}): id set in the file`);
	if (!byName.length) return lines;
	const listed = await runWrangler(["d1", "list", "--json"]);
	if (listed.code !== 0) stopAt("wrangler d1 list", listed);
	const answer = jsonOutput("wrangler d1 list --json", listed);
	if (!Array.isArray(answer)) stopAt("wrangler d1 list --json (not a list)", listed);
	const existing = new Set(answer.map((db: { name?: unknown }) => db.name));
	for (const db of byName) {
		if (existing.has(db.name)) {
			lines.push(`D1 ${db.name} (${db.binding}): exists`);
			continue;
		}
		const created = await runWrangler(["d1", "create", db.name]);
		if (created.code !== 0) stopAt(`wrangler d1 create ${db.name}`, created);
		lines.push(`D1 ${db.name} (${db.binding}): created`);
	}
	return lines;
}

export async function ensureQueues(queues: DeclaredQueue[]): Promise<Outcome[]> {
	const lines: Outcome[] = [];
	for (const queue of queues) {
		const uses = queue.uses.join(", ");
		// `queues list` is a paged table with no --json; `queues info` asks for one name.
		const info = await runWrangler(["queues", "info", queue.name]);
		if (info.code === 0) {
			lines.push(`queue ${queue.name} (${uses}): exists`);
			continue;
		}
		if (!/does not exist/i.test(said(info))) stopAt(`wrangler queues info ${queue.name}`, info);
		const created = await runWrangler(["queues", "create", queue.name]);
		if (created.code !== 0) stopAt(`wrangler queues create ${queue.name}`, created);
		lines.push(`queue ${queue.name} (${uses}): created`);
	}
	return lines;
}
