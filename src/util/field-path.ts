/**
 * One spelling for "where in the input": `to[1].email`, `attachments[0].content`,
 * `headers["X-Campaign"]`. Every `errors[].path` the API answers is written by
 * mime's `formatPath`, so the composer's issues and warnings read the same;
 * the empty path is the whole body.
 */
import { formatPath } from "../mime";

export type PathSegment = PropertyKey;

export interface FieldError {
	path: string;
	message: string;
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
