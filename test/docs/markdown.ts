/**
 * The project's Markdown read the way a reader on GitHub sees it: prose
 * without its code blocks, the anchors its headings get, its links, and the
 * rows of a table under a heading. The docs tests hold these against the
 * files of the repository and the running app.
 */

/** The lines outside fenced code blocks (a `#` comment in a shell block is not a heading). */
export function proseLines(markdown: string): string[] {
	const lines: string[] = [];
	let fenced = false;
	for (const line of markdown.split("\n")) {
		if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
		else if (!fenced) lines.push(line);
	}
	return lines;
}

const HEADING = /^(#{1,6}) +(.*?) *#* *$/;

/**
 * GitHub's anchor for a heading's text (github-slugger): inline code and link
 * targets dropped, lowercased, every character but letters, digits, `_`,
 * spaces and hyphens removed, each space a hyphen.
 */
export function slugOf(heading: string): string {
	return heading
		.replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
		.replaceAll("`", "")
		.trim()
		.toLowerCase()
		.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
		.replaceAll(" ", "-");
}

/** Every anchor the file's headings get; a repeated heading gets `-1`, `-2`… as on GitHub. */
export function anchorsOf(markdown: string): Set<string> {
	const anchors = new Set<string>();
	const seen = new Map<string, number>();
	for (const line of proseLines(markdown)) {
		const text = HEADING.exec(line)?.[2];
		if (text === undefined) continue;
		const slug = slugOf(text);
		const count = seen.get(slug) ?? 0;
		seen.set(slug, count + 1);
		anchors.add(count === 0 ? slug : `${slug}-${count}`);
	}
	return anchors;
}

/** The targets of the file's inline links and images, outside code. */
export function linksOf(markdown: string): string[] {
	const targets: string[] = [];
	for (const line of proseLines(markdown)) {
		const prose = line.replace(/`[^`]*`/g, "``");
		for (const [, target] of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
			if (target) targets.push(target);
		}
	}
	return targets;
}

/** The lines under the heading whose text is `heading`, up to the next heading of its level or above. */
export function sectionOf(markdown: string, heading: string): string[] {
	const lines = proseLines(markdown);
	const start = lines.findIndex((line) => HEADING.exec(line)?.[2] === heading);
	if (start < 0) throw new Error(`no heading "${heading}"`);
	const level = HEADING.exec(lines[start] ?? "")?.[1]?.length ?? 1;
	const end = lines.findIndex((line, i) => i > start && (HEADING.exec(line)?.[1]?.length ?? 7) <= level);
	return lines.slice(start + 1, end < 0 ? undefined : end);
}

/** A table row's cells, split at the pipes outside inline code, trimmed. */
function cellsOf(row: string): string[] {
	const cells: string[] = [];
	let cell = "";
	let inCode = false;
	for (const char of row.trim().replace(/^\|/, "").replace(/\|$/, "")) {
		if (char === "`") inCode = !inCode;
		if (char === "|" && !inCode) {
			cells.push(cell.trim());
			cell = "";
		} else cell += char;
	}
	cells.push(cell.trim());
	return cells;
}

/** The body rows of the first table under `heading`, each as its cells (the header and the `|---|` line left out). */
export function tableUnder(markdown: string, heading: string): string[][] {
	const section = sectionOf(markdown, heading);
	const first = section.findIndex((line) => line.startsWith("|"));
	if (first < 0) throw new Error(`no table under "${heading}"`);
	const end = section.findIndex((line, i) => i > first && !line.startsWith("|"));
	return section
		.slice(first + 2, end < 0 ? undefined : end)
		.map(cellsOf)
		.filter((cells) => cells.some(Boolean));
}

/** The text of inline code, or the cell as it is when it holds none. */
export const codeIn = (cell: string): string => /^`([^`]*)`$/.exec(cell)?.[1] ?? cell;
