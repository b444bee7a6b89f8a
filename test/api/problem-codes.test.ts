/**
 * The problem codes the code can answer, the table of them in docs/api.md
 * ("Errors") and the OpenAPI document agree: a code added in one place and forgotten in another
 * fails here.
 */
import { describe, expect, it } from "vitest";
import api from "../../docs/api.md?raw";
import { problemCodes } from "../../src/send/problem";
import { sectionOf } from "../docs/markdown";
import { callEntry } from "./support";

/** `| 404 | \`message_not_found\` | …` rows of docs/api.md's Errors table: code → statuses. */
function errorsTable(): Map<string, Set<number>> {
	const section = sectionOf(api, "Errors").join("\n");
	const rows = new Map<string, Set<number>>();
	for (const [, status, code] of section.matchAll(/^\| (\d{3}) \| `([a-z_]+)`/gm)) {
		rows.set(code, (rows.get(code) ?? new Set()).add(Number(status)));
	}
	return rows;
}

describe("problem codes", () => {
	it("every code is in docs/api.md's table with its status, and the table names no other", () => {
		const table = errorsTable();
		expect(table.size).toBeGreaterThan(20);
		for (const [code, { status }] of Object.entries(problemCodes)) {
			expect([...(table.get(code) ?? [])], code).toEqual([status]);
		}
		expect([...table.keys()].filter((code) => !(code in problemCodes))).toEqual([]);
	});

	it("every status a code has is documented as a problem answer by some route of the OpenAPI document", async () => {
		const doc = (await (await callEntry("/openapi.json")).json()) as {
			paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }> }>>;
		};
		const documented = new Set<number>();
		for (const ops of Object.values(doc.paths)) {
			for (const op of Object.values(ops)) {
				for (const [status, answer] of Object.entries(op.responses)) {
					if (answer.content?.["application/problem+json"]) documented.add(Number(status));
				}
			}
		}
		const statuses = new Set(Object.values(problemCodes).map((p) => p.status));
		expect([...statuses].filter((s) => !documented.has(s))).toEqual([]);
	});
});
