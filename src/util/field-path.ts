/**
 * One spelling for "where in the input": `to[1].email`, `attachments[0].content`,
 * `headers["X-Campaign"]`. Every `errors[].path` the API answers is written by
 * `formatPath`, and so are the composer's issues and warnings (mime/), so they
 * read the same; the empty path is the whole body.
 */

export type PathSegment = PropertyKey;

export interface FieldError {
	path: string;
	message: string;
}

/**
 * `to[1].name`, `headers["X-A: b"]`: readable, and never a raw line break.
 * Any property keys, so that a schema validator's paths (which may hold
 * symbols) are written the same way as the composer's own.
 */
export function formatPath(path: readonly PropertyKey[]): string {
	let out = "";
	for (const segment of path) {
		const key = String(segment);
		if (typeof segment === "number") out += `[${segment}]`;
		else if (/^[A-Za-z_$][\w$]*$/.test(key)) out += out ? `.${key}` : key;
		else out += `[${JSON.stringify(key)}]`;
	}
	return out;
}

/** The shape of a zod issue this module reads (zod's own type is wider). */
interface IssueLike {
	code?: string;
	path: readonly PathSegment[];
	message: string;
	keys?: readonly string[];
	errors?: readonly (readonly IssueLike[])[];
}

const onlyWrongType = (branch: readonly IssueLike[]) =>
	branch.every((issue) => issue.code === "invalid_type" && issue.path.length === 0);

/**
 * Zod issues as field errors, one per bad field: an unknown key is named by
 * its own path, and a union that failed reports the branch the input was
 * meant for (the one not refused for its type alone).
 */
export function fieldErrors(issues: readonly IssueLike[], prefix: readonly PathSegment[] = []): FieldError[] {
	return issues.flatMap((issue): FieldError[] => {
		const path = [...prefix, ...issue.path];
		if (issue.code === "unrecognized_keys" && issue.keys) {
			return issue.keys.map((key) => ({ path: formatPath([...path, key]), message: "is not a known field" }));
		}
		if (issue.code === "invalid_union" && issue.errors) {
			const meant = issue.errors.filter((branch) => !onlyWrongType(branch));
			if (meant.length === 1) return fieldErrors(meant[0], path);
		}
		return [{ path: formatPath(path), message: issue.message }];
	});
}
