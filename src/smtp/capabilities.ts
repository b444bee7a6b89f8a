/** What a relay offers, read from its EHLO reply. */
import type { SmtpReply } from "./reply.ts";

export interface Capabilities {
	pipelining: boolean;
	/** The advertised SIZE limit in bytes; `0` = SIZE offered without a limit; absent = SIZE not offered. */
	size?: number;
	eightBitMime: boolean;
	smtpUtf8: boolean;
	/** SASL mechanisms, upper case. */
	auth: string[];
	startTls: boolean;
	enhancedStatusCodes: boolean;
}

export function parseCapabilities(reply: SmtpReply): Capabilities {
	const caps: Capabilities = {
		pipelining: false,
		eightBitMime: false,
		smtpUtf8: false,
		auth: [],
		startTls: false,
		enhancedStatusCodes: false,
	};
	// The first line is the relay's greeting, not a keyword.
	for (const line of reply.lines.slice(1)) {
		const [keyword = "", ...params] = line.trim().split(/\s+/);
		const upper = keyword.toUpperCase();
		switch (upper) {
			case "PIPELINING":
				caps.pipelining = true;
				break;
			case "SIZE": {
				const n = Number(params[0] ?? 0);
				caps.size = Number.isSafeInteger(n) && n > 0 ? n : 0;
				break;
			}
			case "8BITMIME":
				caps.eightBitMime = true;
				break;
			case "SMTPUTF8":
				caps.smtpUtf8 = true;
				break;
			case "STARTTLS":
				caps.startTls = true;
				break;
			case "ENHANCEDSTATUSCODES":
				caps.enhancedStatusCodes = true;
				break;
			default:
				// `AUTH LOGIN PLAIN`, and the old `AUTH=LOGIN PLAIN` form some servers add.
				if (upper === "AUTH" || upper.startsWith("AUTH=")) {
					const mechanisms = upper === "AUTH" ? params : [keyword.slice(5), ...params];
					for (const m of mechanisms) {
						const mech = m.toUpperCase();
						if (mech && !caps.auth.includes(mech)) caps.auth.push(mech);
					}
				}
		}
	}
	return caps;
}
