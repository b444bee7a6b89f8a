/**
 * env → typed config, through one zod schema: the one place settings are read
 * (DESIGN.md §1). A bad or missing setting is reported by name, never with its
 * value, so a secret cannot leak through an error.
 */
import { z } from "zod";
import { isLoopback, isValidEhloName, type SmtpConfig } from "./smtp";
import { normalizeEmail, splitMailbox } from "./util/address";
import { decodeBase64 } from "./util/bytes";
import { type FieldError, fieldErrors } from "./util/field-path";

export interface PublicKey {
	key: string;
	origins: string[];
	/** Allowed recipients, lowercased. */
	to: string[];
	/** Allowed senders as configured (a mailbox: `addr` or `Name <addr>`); the first is the default. */
	from: string[];
	/** The label every send with this key uses; none: the api_user's own. */
	labelId?: string;
	/** Sends admitted per client IP (an IPv6 client counts per /64) per 60 s. */
	perIpPerMinute: number;
	/** Sends admitted for the key as a whole per 60 s, whatever the IP. */
	perMinute: number;
}

export interface Config {
	/** The api_user itself: a label is added per message (send/deliver.ts smtpConfigFor). */
	smtp: Pick<SmtpConfig, "host" | "port" | "security" | "user" | "pass" | "ehloName"> & {
		/** Connect and reply timeout; the client's own defaults when unset. */
		timeoutMs?: number;
	};
	rateLimitPerMinute: number;
	maxMessageBytes: number;
	apiKeys: string[];
	/** The decoded bytes of `whsec_…`. */
	webhookSecret?: Uint8Array;
	publicKeys: PublicKey[];
	/** Delivery events (src/events/): the provider's callbacks in, signed events out. */
	events: {
		engagelabKey?: string;
		webhookUrl?: string;
		/** The decoded bytes of EVENTS_WEBHOOK_SECRET. */
		webhookSecret?: Uint8Array;
		/** EVENTS_WEBHOOK_FORMAT: our body and `webhook-*` headers, or Resend's body and `svix-*` headers too. */
		format: "edgesend" | "resend";
	};
	/** TAGS_HEADER: the header that carries a message's tags to the relay; none by default. */
	tagsHeader?: string;
	/** Warm relay sessions (src/pool/): SMTP_POOL, SMTP_POOL_IDLE_MS, SMTP_POOL_SHARDS, SMTP_LOCATION_HINT. */
	pool: { enabled: boolean; idleMs: number; shards: number; locationHint?: LocationHint };
	/** Message records and async sends (src/records/). */
	records: {
		/** Records older than this many days are deleted by the retention cron. */
		retentionDays: number;
		/** Messages one api_user may have waiting (queued, scheduled, sending) before async sends get 429. */
		maxBacklog: number;
	};
}

/** The platform's Durable Object location hints (SMTP_LOCATION_HINT). */
export const LOCATION_HINTS = ["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"] as const;
export type LocationHint = (typeof LOCATION_HINTS)[number];

/** What the worker reads from `env` (vars and secrets are strings; a TOML number may arrive as one). */
export type Settings = Partial<Record<(typeof settingNames)[number], string | number>>;

const settingNames = [
	"SMTP_HOST",
	"SMTP_PORT",
	"SMTP_SECURITY",
	"SMTP_USER",
	"SMTP_PASS",
	"SMTP_TIMEOUT_MS",
	"EHLO_NAME",
	"RATE_LIMIT_PER_MINUTE",
	"MAX_MESSAGE_BYTES",
	"API_KEYS",
	"WEBHOOK_SECRET",
	"PUBLIC_KEYS",
	"ENGAGELAB_WEBHOOK_KEY",
	"EVENTS_WEBHOOK_URL",
	"EVENTS_WEBHOOK_SECRET",
	"SMTP_POOL",
	"SMTP_POOL_IDLE_MS",
	"SMTP_POOL_SHARDS",
	"SMTP_LOCATION_HINT",
	"MESSAGE_RETENTION_DAYS",
	"MAX_BACKLOG",
	"EVENTS_WEBHOOK_FORMAT",
	"TAGS_HEADER",
] as const;

/** Shorter keys can be guessed or brute-forced; 16 characters of a random key is ~96 bits. */
export const MIN_API_KEY_CHARS = 16;
/** The Standard Webhooks minimum for a signing secret. */
export const MIN_WEBHOOK_SECRET_BYTES = 24;

const splitApiKeys = (v: unknown): string[] =>
	String(v ?? "")
		.split(",")
		.map((k) => k.trim())
		.filter(Boolean);

/**
 * The API keys of `env` that are long enough, whatever else is wrong: lets a
 * caller prove it is the operator's even when the settings are invalid.
 */
export const usableApiKeys = (env: Settings): string[] =>
	splitApiKeys(env.API_KEYS).filter((k) => k.length >= MIN_API_KEY_CHARS);

const text = () => z.string({ error: "required" }).trim().min(1, "required");
const int = (min: number, max: number) =>
	z.coerce
		.number({ error: "must be a whole number" })
		.int("must be a whole number")
		.min(min, `must be at least ${min}`)
		.max(max, `must be at most ${max}`);

const publicKey = z.object({
	key: z.string().min(8, "must be at least 8 characters"),
	origins: z
		.array(
			z
				.string()
				.refine((o) => URL.canParse(o) && new URL(o).origin === o, "must be an origin like https://example.com"),
		)
		.min(1, "must list at least one origin"),
	to: z
		.array(z.string().refine((a) => "email" in normalizeEmail(a), "must be an email address"))
		.min(1, "must list at least one recipient"),
	from: z
		.array(z.string().refine((a) => "email" in normalizeEmail(splitMailbox(a).email), "must be an email address"))
		.min(1, "must list at least one sender (the first is the default)"),
	labelId: z
		.union([z.number().int().min(0).max(Number.MAX_SAFE_INTEGER), z.string().regex(/^\d{1,16}$/)], {
			error: "must be a label id (digits)",
		})
		.transform(String)
		.optional(),
	perIpPerMinute: z.number().int().min(1).max(100_000).default(10),
	perMinute: z.number().int().min(1).max(1_000_000).default(60),
});

const jsonList = z.preprocess((v, ctx) => {
	if (v === undefined) return [];
	try {
		return JSON.parse(String(v));
	} catch {
		ctx.addIssue({ code: "custom", message: "is not valid JSON" });
		return z.NEVER;
	}
}, z.array(publicKey));

const webhookSecret = z
	.string()
	.transform((s, ctx) => {
		const bytes = /^whsec_[A-Za-z0-9+/]+={0,2}$/.test(s) ? decodeBase64(s.slice(6)) : undefined;
		if (!bytes) ctx.addIssue({ code: "custom", message: "must be whsec_ followed by base64" });
		else if (bytes.length < MIN_WEBHOOK_SECRET_BYTES) {
			ctx.addIssue({ code: "custom", message: `must decode to at least ${MIN_WEBHOOK_SECRET_BYTES} bytes` });
		} else return bytes;
		return z.NEVER;
	})
	.optional();

const settingsSchema = z
	.object({
		SMTP_HOST: text().pipe(z.string().regex(/^[A-Za-z0-9.-]+$|^\[?[0-9A-Fa-f:.]+\]?$/, "must be a host name")),
		SMTP_PORT: int(1, 65535).default(465),
		SMTP_SECURITY: z.enum(["tls", "starttls", "none"]).optional(),
		SMTP_USER: text().pipe(z.string().regex(/^[^#\s]+$/, "must be the api_user, without '#' or spaces")),
		SMTP_PASS: text(),
		SMTP_TIMEOUT_MS: int(100, 600_000).optional(),
		EHLO_NAME: z.string().refine(isValidEhloName, "must be an FQDN or an address literal like [127.0.0.1]").optional(),
		RATE_LIMIT_PER_MINUTE: int(1, 10_000_000).default(30_000),
		MAX_MESSAGE_BYTES: int(1024, 100_000_000).default(16_000_000),
		API_KEYS: z.preprocess(
			splitApiKeys,
			z.array(z.string()).superRefine((keys, ctx) => {
				const short = keys.flatMap((k, i) => (k.length < MIN_API_KEY_CHARS ? [i + 1] : []));
				if (short.length) {
					ctx.addIssue({
						code: "custom",
						message: `each key must be at least ${MIN_API_KEY_CHARS} characters (entry ${short.join(", ")} is shorter)`,
					});
				}
			}),
		),
		WEBHOOK_SECRET: webhookSecret,
		PUBLIC_KEYS: jsonList,
		ENGAGELAB_WEBHOOK_KEY: z
			.string()
			.trim()
			.min(8, "must be the provider's app key (at least 8 characters)")
			.optional(),
		EVENTS_WEBHOOK_URL: z
			.string()
			.refine((u) => URL.canParse(u) && /^https?:$/.test(new URL(u).protocol), "must be an http(s) URL")
			.optional(),
		EVENTS_WEBHOOK_SECRET: webhookSecret,
		SMTP_POOL: z.enum(["on", "off"], { error: 'must be "on" or "off"' }).default("on"),
		// Below the pool's 10-minute session lifetime.
		SMTP_POOL_IDLE_MS: int(1000, 540_000).default(60_000),
		// Each object holds at most six sockets; choose from the relay's round trip (docs/warm-sessions.md).
		SMTP_POOL_SHARDS: int(1, 64).default(4),
		SMTP_LOCATION_HINT: z.enum(LOCATION_HINTS, { error: `must be one of ${LOCATION_HINTS.join(", ")}` }).optional(),
		MESSAGE_RETENTION_DAYS: int(1, 3650).default(30),
		MAX_BACKLOG: int(1, 10_000_000).default(100_000),
		EVENTS_WEBHOOK_FORMAT: z
			.enum(["edgesend", "resend"], { error: 'must be "edgesend" or "resend"' })
			.default("edgesend"),
		// A header of the sender's own (X-…); X-SMTPAPI is read by the relay as delivery instructions.
		TAGS_HEADER: z
			.string()
			.trim()
			.regex(/^X-[!-9;-~]+$/i, "must be a header name starting with X-, like X-Tags")
			.refine((h) => h.toLowerCase() !== "x-smtpapi", "X-SMTPAPI is read by the relay as instructions: refused")
			.optional(),
	})
	.superRefine((s, ctx) => {
		if (s.SMTP_PORT === 25 && !isLoopback(s.SMTP_HOST)) {
			ctx.addIssue({
				code: "custom",
				path: ["SMTP_PORT"],
				message: "25 is refused by Workers: use 465 (tls) or 587 (starttls)",
			});
		}
		if (s.SMTP_SECURITY === "none" && !isLoopback(s.SMTP_HOST)) {
			ctx.addIssue({ code: "custom", path: ["SMTP_SECURITY"], message: "none is only allowed for a loopback host" });
		}
		if (Boolean(s.EVENTS_WEBHOOK_URL) !== Boolean(s.EVENTS_WEBHOOK_SECRET)) {
			const missing = s.EVENTS_WEBHOOK_URL ? "EVENTS_WEBHOOK_SECRET" : "EVENTS_WEBHOOK_URL";
			ctx.addIssue({
				code: "custom",
				path: [missing],
				message: "required when the other EVENTS_WEBHOOK_ setting is set",
			});
		}
		if (!s.API_KEYS.length && !s.WEBHOOK_SECRET && !s.PUBLIC_KEYS.length) {
			ctx.addIssue({ code: "custom", path: ["API_KEYS"], message: "required (or WEBHOOK_SECRET or PUBLIC_KEYS)" });
		}
	});

/**
 * The EHLO name when none is configured: the host the Worker was called on.
 * In production that is its custom domain or `*.workers.dev` name — an FQDN
 * that really belongs to the sender, which is what relays' HELO checks want.
 * An IP host becomes an address literal; a bare name like `localhost` (local
 * work only) becomes `localhost.localdomain`.
 */
export function defaultEhloName(requestHost: string): string {
	const host = requestHost.toLowerCase();
	if (/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) return `[${host}]`;
	if (host.startsWith("[")) return `[IPv6:${host.slice(1, -1)}]`;
	return isValidEhloName(host) ? host : "localhost.localdomain";
}

export type ConfigResult = { ok: true; config: Config } | { ok: false; errors: FieldError[] };

/** Reads the settings of one request. `requestHost` names the Worker when EHLO_NAME is unset. */
export function readConfig(env: Settings, requestHost: string): ConfigResult {
	// An empty var counts as unset, so defaults apply to it.
	const picked = Object.fromEntries(
		settingNames.filter((name) => env[name] !== undefined && env[name] !== "").map((name) => [name, env[name]]),
	);
	const parsed = settingsSchema.safeParse(picked);
	if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error.issues) };
	const s = parsed.data;
	return {
		ok: true,
		config: {
			smtp: {
				host: s.SMTP_HOST,
				port: s.SMTP_PORT,
				security: s.SMTP_SECURITY ?? (s.SMTP_PORT === 465 ? "tls" : "starttls"),
				user: s.SMTP_USER,
				pass: s.SMTP_PASS,
				ehloName: s.EHLO_NAME ?? defaultEhloName(requestHost),
				...(s.SMTP_TIMEOUT_MS === undefined ? {} : { timeoutMs: s.SMTP_TIMEOUT_MS }),
			},
			rateLimitPerMinute: s.RATE_LIMIT_PER_MINUTE,
			maxMessageBytes: s.MAX_MESSAGE_BYTES,
			apiKeys: s.API_KEYS,
			...(s.WEBHOOK_SECRET ? { webhookSecret: s.WEBHOOK_SECRET } : {}),
			publicKeys: s.PUBLIC_KEYS.map((k) => ({ ...k, to: k.to.map((a) => a.toLowerCase()) })),
			events: {
				...(s.ENGAGELAB_WEBHOOK_KEY ? { engagelabKey: s.ENGAGELAB_WEBHOOK_KEY } : {}),
				...(s.EVENTS_WEBHOOK_URL ? { webhookUrl: s.EVENTS_WEBHOOK_URL } : {}),
				...(s.EVENTS_WEBHOOK_SECRET ? { webhookSecret: s.EVENTS_WEBHOOK_SECRET } : {}),
				format: s.EVENTS_WEBHOOK_FORMAT,
			},
			...(s.TAGS_HEADER ? { tagsHeader: s.TAGS_HEADER } : {}),
			pool: {
				enabled: s.SMTP_POOL === "on",
				idleMs: s.SMTP_POOL_IDLE_MS,
				shards: s.SMTP_POOL_SHARDS,
				...(s.SMTP_LOCATION_HINT ? { locationHint: s.SMTP_LOCATION_HINT } : {}),
			},
			records: { retentionDays: s.MESSAGE_RETENTION_DAYS, maxBacklog: s.MAX_BACKLOG },
		},
	};
}
