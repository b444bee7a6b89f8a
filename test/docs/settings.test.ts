/**
 * docs/configuration.md lists every setting the Worker reads, one row each,
 * and no setting it does not read: the names come from `settingNames` in
 * src/config.ts and `routeSettingNames` in src/routes-config.ts (the routes'
 * settings, which config.ts reads through it): the places settings are read.
 */
import { describe, expect, it } from "vitest";
import configuration from "../../docs/configuration.md?raw";
import configSource from "../../src/config.ts?raw";
import routesSource from "../../src/routes-config.ts?raw";
import { codeIn, tableUnder } from "./markdown";

/** The names in a source's `<list> = [ … ] as const`. */
function namesIn(source: string, list: string, file: string): string[] {
	const found = new RegExp(`const ${list} = \\[([^\\]]*)\\] as const`).exec(source)?.[1];
	if (found === undefined) throw new Error(`${file} has no \`const ${list} = [ … ] as const\``);
	return [...found.matchAll(/"([A-Z0-9_]+)"/g)].map(([, name]) => name ?? "");
}

const settingNames = () => [
	...namesIn(configSource, "settingNames", "src/config.ts"),
	...namesIn(routesSource, "routeSettingNames", "src/routes-config.ts"),
];

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
