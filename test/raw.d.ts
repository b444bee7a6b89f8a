/** Files read as text through Vite's `?raw` import (the docs, for their tables and links; src/config.ts's setting names). */
declare module "*?raw" {
	const text: string;
	export default text;
}

/** Vite's `import.meta.glob` (test/docs/ finds the pages and the repository's files with it). */
interface ImportMeta {
	glob<T = unknown>(
		patterns: string | string[],
		options?: { query?: string; import?: string; eager?: boolean },
	): Record<string, T>;
}
