/** The one error the composer throws for bad input: every problem, each with the path of its field. */
import { formatPath } from "../util/field-path.ts";

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
