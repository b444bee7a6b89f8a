/**
 * Every relative link in README.md and docs/*.md leads somewhere: to a file
 * or folder of the repository, and through `#anchor` to a heading of the
 * Markdown file it names. The pages are found by glob, so a new page under
 * docs/ is checked without being listed here.
 */
import { describe, expect, it } from "vitest";
import { anchorsOf, linksOf } from "./markdown";

/** The pages whose links are checked, by path from the repository's root (`/README.md`, `/docs/api.md`…). */
const pages = import.meta.glob<string>(["/README.md", "/docs/**/*.md"], {
	query: "?raw",
	import: "default",
	eager: true,
});

/** Every Markdown file a link may point into, for its headings. */
const markdown = import.meta.glob<string>("/**/*.md", { query: "?raw", import: "default", eager: true });

/** Every file of the repository (names only: nothing is loaded), dotfiles at the root included. */
const files = Object.keys(import.meta.glob(["/**/*", "/.*"]));

const isFolder = (path: string) => files.some((file) => file.startsWith(`${path.replace(/\/$/, "")}/`));

/** `target` seen from the page at `from`, as a path from the repository's root; `..` past the root stays out. */
function resolve(from: string, target: string): string {
	const parts = from.split("/").slice(0, -1);
	for (const part of target.split("/")) {
		if (part === "..") parts.pop();
		else if (part !== "." && part !== "") parts.push(part);
	}
	return `/${parts.filter(Boolean).join("/")}${target.endsWith("/") ? "/" : ""}`;
}

/** What is wrong with the link `target` on the page `from`, or undefined when it leads somewhere. */
function brokenBecause(from: string, target: string): string | undefined {
	const [pathPart = "", anchor] = target.split("#");
	const path = pathPart === "" ? from : resolve(from, decodeURI(pathPart));
	if (!files.includes(path) && !isFolder(path)) return `${path} does not exist`;
	if (anchor === undefined) return undefined;
	const text = markdown[path];
	if (text === undefined) return `#${anchor} points into ${path}, which is not a Markdown file`;
	if (!anchorsOf(text).has(decodeURIComponent(anchor))) return `${path} has no heading for #${anchor}`;
	return undefined;
}

const isRelative = (target: string) => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith("//");

describe("links in the documentation", () => {
	it("finds the README and the pages under docs/", () => {
		expect(Object.keys(pages)).toContain("/README.md");
		expect(Object.keys(pages)).toContain("/docs/api.md");
		expect(files).toContain("/package.json");
	});

	for (const [page, text] of Object.entries(pages)) {
		it(`every relative link of ${page} resolves`, () => {
			const broken = linksOf(text)
				.filter(isRelative)
				.flatMap((target) => {
					const why = brokenBecause(page, target);
					return why === undefined ? [] : [`${target}: ${why}`];
				});
			expect(broken).toEqual([]);
		});
	}
});
