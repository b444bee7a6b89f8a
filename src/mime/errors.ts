/** The one error the composer throws for bad input: every problem, each with the path of its field. */

export type IssuePath = (string | number)[];

export interface MimeIssue {
	path: IssuePath;
	message: string;
}

export class MimeValidationError extends Error {
	override readonly name = "MimeValidationError";
	readonly issues: MimeIssue[];

	constructor(issues: MimeIssue[]) {
		super(`invalid message: ${issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join("; ")}`);
		this.issues = issues;
	}
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
