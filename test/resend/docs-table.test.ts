/** docs/coming-from-resend.md's error table and the code agree: a code added or remapped without its row fails here. */
import { describe, expect, it } from "vitest";
import page from "../../docs/coming-from-resend.md?raw";
import { resendErrorOf } from "../../src/api/resend/errors";
import { problemCodes } from "../../src/send/problem";

/** `| \`a\`, \`b\` | \`name\` | 404 |` rows of the Errors section: code → "name status". */
function table(): Map<string, string> {
	const rows = new Map<string, string>();
	const section = page.slice(page.indexOf("## Errors"));
	for (const [, codes, name, status] of section.matchAll(
		/^\| ((?:`[a-z_]+`(?:, )?)+) \| `([a-z_]+)` \| (\d{3}) \|$/gm,
	)) {
		for (const [, code] of codes.matchAll(/`([a-z_]+)`/g)) rows.set(code, `${name} ${status}`);
	}
	return rows;
}

describe("the Resend error table", () => {
	it("has one row per edgesend code, with the name and status the code answers", () => {
		const rows = table();
		for (const code of Object.keys(problemCodes) as (keyof typeof problemCodes)[]) {
			const { name, statusCode } = resendErrorOf[code];
			expect(rows.get(code), code).toBe(`${name} ${statusCode}`);
		}
		expect([...rows.keys()].filter((code) => !(code in problemCodes))).toEqual([]);
	});
});
