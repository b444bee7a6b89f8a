/**
 * docs/configuration.md lists every setting the Worker reads, one row each,
 * and no setting it does not read: the names come from `settingNames` in
 * src/config.ts, the one place settings are read.
 */
import { describe, expect, it } from "vitest";
import configuration from "../../docs/configuration.md?raw";
import configSource from "../../src/config.ts?raw";
import { codeIn, tableUnder } from "./markdown";

/** The names in src/config.ts's `settingNames = [ … ] as const`. */
function settingNames(): string[] {
	const list = /const settingNames = \[([^\]]*)\] as const/.exec(configSource)?.[1];
	if (list === undefined) throw new Error("src/config.ts has no `const settingNames = [ … ] as const`");
	return [...list.matchAll(/"([A-Z0-9_]+)"/g)].map(([, name]) => name ?? "");
}

describe("docs/configuration.md", () => {
	it("has one row for every setting the Worker reads, and no other", () => {
		const rows = tableUnder(configuration, "Configuration").map(([name]) => codeIn(name ?? ""));
		const names = settingNames();
		expect(names.length).toBeGreaterThan(0);
		expect(
			rows.filter((name, i) => rows.indexOf(name) !== i),
			"settings with two rows",
		).toEqual([]);
		expect([...rows].sort()).toEqual(names.sort());
	});
});
