/**
 * SmtpConfig and its checks: a setting that can never work is refused here,
 * before any connection is made.
 */
import { SmtpConfigError } from "./errors.ts";
import type { Connector } from "./socket.ts";
import type { TraceFn } from "./wire.ts";

export type SmtpSecurity = "tls" | "starttls" | "none";

export interface SmtpConfig {
	host: string;
	port: number;
	/** `tls`: implicit TLS (465); `starttls`: STARTTLS, required; `none`: loopback hosts only. */
	security: SmtpSecurity;
	/** `api_user`, or `api_user#label_id`. Empty: no AUTH (local relays). */
	user: string;
	pass: string;
	/** An FQDN, or an address literal like `[127.0.0.1]`. */
	ehloName: string;
	/** Default 10 s. workerd has no connect timeout of its own. */
	connectTimeoutMs?: number;
	/** The longest wait for one reply or one write. Default 30 s. */
	replyTimeoutMs?: number;
	/**
	 * Deadline for the session's work: opening it, and every wait of a
	 * transaction up to its final dot. No transaction starts unless the time
	 * left is more than the longest one on this session took. Default 120 s.
	 */
	sessionTimeoutMs?: number;
	/**
	 * The wait for the reply to a message's final dot, on its own: not cut by
	 * the session deadline, since giving up there leaves the outcome unknown
	 * (the relay may have queued it). Default: twice `replyTimeoutMs` (60 s
	 * with the defaults); see FINAL_REPLY_FACTOR.
	 */
	finalReplyTimeoutMs?: number;
	/** Defaults to `connectSocket` (socket.ts, the only `cloudflare:sockets` import). */
	connector?: Connector;
	/** Sees every command and reply line, credentials masked; message data is summarised. */
	trace?: TraceFn;
}

export const DEFAULT_TIMEOUTS = {
	connectTimeoutMs: 10_000,
	replyTimeoutMs: 30_000,
	sessionTimeoutMs: 120_000,
} as const;

/**
 * The default wait for the reply to a final dot, in per-reply waits. RFC 5321
 * §4.5.3.2.6 suggests 10 minutes. A Worker answers an HTTP caller who will
 * not wait that long (clients and proxies give up within about 100 s, and the
 * answer is lost then anyway): twice the per-reply wait is long enough for a
 * relay that is slow under load, and short enough to answer the caller.
 */
export const FINAL_REPLY_FACTOR = 2;

export type ResolvedConfig = SmtpConfig &
	Required<Pick<SmtpConfig, keyof typeof DEFAULT_TIMEOUTS | "finalReplyTimeoutMs">>;

const TIMEOUT_FIELDS = ["connectTimeoutMs", "replyTimeoutMs", "sessionTimeoutMs", "finalReplyTimeoutMs"] as const;

/** Checks `config` and fills in the defaults; throws SmtpConfigError naming the field at fault. */
export function resolveConfig(config: SmtpConfig): ResolvedConfig {
	const { host, port, security, user, pass, ehloName } = config;
	// biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
	if (typeof host !== "string" || !host || /[\s\0-\x1f\x7f/]/.test(host)) {
		throw new SmtpConfigError("host", "the SMTP host must be a host name or an address");
	}
	if (!Number.isInteger(port) || port < 1 || port > 65535) {
		throw new SmtpConfigError("port", `the SMTP port must be a whole number from 1 to 65535 (got ${port})`);
	}
	if (security !== "tls" && security !== "starttls" && security !== "none") {
		throw new SmtpConfigError("security", 'security must be "tls", "starttls" or "none"');
	}
	if (security === "none" && !isLoopback(host)) {
		throw new SmtpConfigError(
			"security",
			`security "none" sends credentials in the clear: it is only allowed to a loopback host, not ${host}`,
		);
	}
	if (port === 25 && !isLoopback(host)) {
		throw new SmtpConfigError(
			"port",
			"Cloudflare Workers refuse connections to port 25: use 465 (tls) or 587 (starttls)",
		);
	}
	if (typeof user !== "string" || /[\0\r\n]/.test(user)) {
		throw new SmtpConfigError("user", "the SMTP user must be a string without line breaks");
	}
	if (typeof pass !== "string" || /[\0\r\n]/.test(pass)) {
		// Never echo the value.
		throw new SmtpConfigError("pass", "the SMTP password must be a string without line breaks");
	}
	if (!isValidEhloName(ehloName)) {
		throw new SmtpConfigError(
			"ehloName",
			`the EHLO name must be a fully qualified domain name or an address literal like [127.0.0.1] (got ${JSON.stringify(String(ehloName).slice(0, 80))})`,
		);
	}
	const resolved = { ...DEFAULT_TIMEOUTS, ...stripUndefined(config) } as ResolvedConfig;
	resolved.finalReplyTimeoutMs ??= FINAL_REPLY_FACTOR * resolved.replyTimeoutMs;
	for (const field of TIMEOUT_FIELDS) {
		const ms = resolved[field];
		if (typeof ms !== "number" || !Number.isFinite(ms) || ms <= 0) {
			throw new SmtpConfigError(field, `${field} must be a positive number of milliseconds`);
		}
	}
	return resolved;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
	return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** localhost, 127.0.0.0/8 and ::1: the only hosts `security: "none"` may reach. */
export function isLoopback(host: string): boolean {
	const h = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
	if (h === "localhost" || h === "localhost.") return true;
	if (h === "::1" || h === "0:0:0:0:0:0:0:1") return true;
	const v4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
	return v4?.slice(1).every((octet) => Number(octet) <= 255) ?? false;
}

const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

/** An FQDN (two labels or more, a non-numeric top label) or an address literal (RFC 5321 4.1.3). */
export function isValidEhloName(name: unknown): boolean {
	if (typeof name !== "string" || !name || name.length > 253) return false;
	const literal = /^\[(.*)\]$/.exec(name);
	if (literal) return isIpv4(literal[1]) || isIpv6Literal(literal[1]);
	const labels = name.split(".");
	if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return false;
	return !/^\d+$/.test(labels[labels.length - 1]);
}

function isIpv4(s: string): boolean {
	const parts = s.split(".");
	return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function isIpv6Literal(s: string): boolean {
	const m = /^IPv6:([0-9a-f:.]+)$/i.exec(s);
	if (!m) return false;
	const addr = m[1];
	const groups = addr.split(":");
	return addr.includes(":") && groups.length >= 3 && groups.length <= 8 && (addr.match(/::/g) ?? []).length <= 1;
}
