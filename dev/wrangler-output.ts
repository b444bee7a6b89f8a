/**
 * Which of `wrangler dev`'s lines `npm run dev` shows: the request lines
 * (the worker's JSON log, wrangler's one line per request) and anything it
 * does not know, such as an error. It keeps out what a newcomer would have
 * to decode and the banner already says: the binding tables, wrangler's
 * "⎔" status lines, "Ready on", which vars file it read, the warning that
 * cron triggers do not run locally (edgesend has none now: each store object
 * sweeps itself by its alarm, which does run locally; kept out should one
 * come back), and the dev runner's own requests (QuietRequests).
 */
import { stripVTControlCharacters } from "node:util";
import type { QuietRequests } from "./quiet-requests.ts";

const CHATTER = [
	/^Your Worker has access to the following bindings:/,
	/^Binding\s+Resource\b/,
	/^env\.\w+ /,
	/^⎔ /,
	/^\[wrangler:info\] Ready on /,
	/^Using (secrets|vars) defined in /,
];

/** Its first line; the indented lines under it belong to it. */
const CRON_WARNING = /Scheduled Workers are not automatically triggered during local development/;

export class WranglerOutput {
	private readonly quiet: QuietRequests[] = [];
	private inCronWarning = false;

	/** Keeps these requests' lines out too. */
	keepOut(requests: QuietRequests): void {
		this.quiet.push(requests);
	}

	shows(line: string): boolean {
		const plain = stripVTControlCharacters(line);
		if (this.inCronWarning) {
			if (/^\s/.test(plain)) return false;
			this.inCronWarning = false;
		}
		if (CRON_WARNING.test(plain)) {
			this.inCronWarning = true;
			return false;
		}
		if (CHATTER.some((pattern) => pattern.test(plain))) return false;
		return !this.quiet.some((requests) => requests.hides(plain));
	}
}
