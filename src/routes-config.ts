/**
 * The routes a message may take (issue 23): the first (the SMTP relay, or the
 * provider's REST API) and at most one second route, with its own limit. Read
 * by config.ts beside the other settings, by the same rules: a bad setting or
 * a combination that cannot work is refused by name, never with its value.
 *
 * When more than one second route is set, one wins, in this order, and the
 * others are listed as ignored (GET /v1/relays shows them):
 * 1. FALLBACK_SMTP_*: it carries edgesend's exact bytes and fails the way the
 *    primary does (reply codes, the point of 354), so "never twice" holds
 *    with nothing new to trust;
 * 2. FALLBACK_ENGAGELAB_REST: the provider itself over another door; it shares
 *    the primary's api_user and budget, so it cannot help with the limit;
 * 3. FALLBACK_EMAIL: Cloudflare's Email Service (beta): one message per
 *    recipient, 5 MiB, a Message-ID of its own.
 */
import { z } from "zod";
import { isLoopback, type SmtpSecurity } from "./smtp";
import type { FieldError } from "./util/field-path";
import { fieldErrors } from "./util/field-path";
import { pickSettings, wholeNumber } from "./util/settings";

/** The provider's REST API in its Singapore data centre (Turkey: https://emailapi-tr.engagelab.com). */
export const ENGAGELAB_REST_URL = "https://email.api.engagelab.cc";

export interface SmtpRoute {
	kind: "smtp";
	host: string;
	port: number;
	security: SmtpSecurity;
	user: string;
	pass: string;
}

/** EngageLab's `POST /v1/mail/send`, Basic api_user:api_key. */
export interface RestRoute {
	kind: "engagelab-rest";
	/** Origin (and base path) of the API, without a trailing slash. */
	url: string;
	user: string;
	pass: string;
}

/** Cloudflare's `send_email` binding named FALLBACK_EMAIL. */
export interface BindingRoute {
	kind: "email-binding";
}

export type Route = SmtpRoute | RestRoute | BindingRoute;

export interface Routes {
	primary: SmtpRoute | RestRoute;
	fallback?: Route;
	/** FALLBACK_RATE_LIMIT_PER_MINUTE: the second route's own limit (none: unlimited, a binding only). */
	fallbackLimitPerMinute?: number;
	/** FALLBACK_ON_LIMIT: sends over the primary's limit may take the second route. */
	fallbackOnLimit: boolean;
	/** Second routes that are set but lost to the one in `fallback` (see the order above). */
	ignored: string[];
}

/** Whether the provider's REST API is one of the routes (it sends a message's fields, not its bytes). */
export const usesRest = (routes: Routes): boolean =>
	routes.primary.kind === "engagelab-rest" || routes.fallback?.kind === "engagelab-rest";

/** What this reads of `env`: strings, and the FALLBACK_EMAIL binding (an object). */
export type RouteSettings = Partial<Record<(typeof routeSettingNames)[number], string | number>> & {
	FALLBACK_EMAIL?: unknown;
};

export const routeSettingNames = [
	"PRIMARY_ROUTE",
	"ENGAGELAB_REST_URL",
	"FALLBACK_SMTP_HOST",
	"FALLBACK_SMTP_PORT",
	"FALLBACK_SMTP_SECURITY",
	"FALLBACK_SMTP_USER",
	"FALLBACK_SMTP_PASS",
	"FALLBACK_ENGAGELAB_REST",
	"FALLBACK_RATE_LIMIT_PER_MINUTE",
	"FALLBACK_ON_LIMIT",
] as const;

const onOff = z.enum(["on", "off"], { error: 'must be "on" or "off"' });
const int = wholeNumber;

/** The same host and user rules as SMTP_HOST and SMTP_USER (config.ts). */
export const smtpHost = z
	.string()
	.trim()
	.min(1, "required")
	.regex(/^[A-Za-z0-9.-]+$|^\[?[0-9A-Fa-f:.]+\]?$/, "must be a host name");
export const smtpUser = z
	.string()
	.trim()
	.min(1, "required")
	.regex(/^[^#\s]+$/, "must be the api_user, without '#' or spaces");

const restUrl = z
	.string()
	.trim()
	.refine((u) => {
		if (!URL.canParse(u)) return false;
		const url = new URL(u);
		if (url.search || url.hash || url.username || url.password) return false;
		return url.protocol === "https:" || (url.protocol === "http:" && isLoopback(url.hostname));
	}, "must be an https URL (http only to a loopback host), without query or credentials")
	.transform((u) => u.replace(/\/+$/, ""));

const schema = z.object({
	PRIMARY_ROUTE: z.enum(["smtp", "engagelab-rest"], { error: 'must be "smtp" or "engagelab-rest"' }).default("smtp"),
	ENGAGELAB_REST_URL: restUrl.default(ENGAGELAB_REST_URL),
	FALLBACK_SMTP_HOST: smtpHost.optional(),
	FALLBACK_SMTP_PORT: int(1, 65535).default(465),
	FALLBACK_SMTP_SECURITY: z
		.enum(["tls", "starttls", "none"], { error: 'must be "tls", "starttls" or "none"' })
		.optional(),
	FALLBACK_SMTP_USER: smtpUser.optional(),
	FALLBACK_SMTP_PASS: z.string().min(1, "required").optional(),
	FALLBACK_ENGAGELAB_REST: onOff.default("off"),
	FALLBACK_RATE_LIMIT_PER_MINUTE: int(1, 10_000_000).optional(),
	FALLBACK_ON_LIMIT: onOff.default("off"),
});

export type RoutesResult = { ok: true; routes: Routes } | { ok: false; errors: FieldError[] };

/** The primary's credentials and relay, as config.ts read them (SMTP_*). */
export interface PrimarySmtp {
	host?: string;
	port: number;
	security: SmtpSecurity;
	user: string;
	pass: string;
}

/** Reads the route settings of `env`; `primary` is what config.ts read of SMTP_*. */
export function readRoutes(env: RouteSettings, primary: PrimarySmtp): RoutesResult {
	const picked = pickSettings(env, routeSettingNames);
	const parsed = schema.safeParse(picked);
	if (!parsed.success) return { ok: false, errors: fieldErrors(parsed.error.issues) };
	const s = parsed.data;
	const errors: FieldError[] = [];
	const refuse = (path: string, message: string) => errors.push({ path, message });

	const rest = (): RestRoute => ({
		kind: "engagelab-rest",
		url: s.ENGAGELAB_REST_URL,
		user: primary.user,
		pass: primary.pass,
	});
	let primaryRoute: SmtpRoute | RestRoute;
	if (s.PRIMARY_ROUTE === "engagelab-rest") primaryRoute = rest();
	else if (primary.host) primaryRoute = { kind: "smtp", ...primary, host: primary.host };
	else {
		refuse("SMTP_HOST", 'required (or PRIMARY_ROUTE="engagelab-rest")');
		primaryRoute = rest();
	}

	const candidates: { name: string; route: () => Route | undefined }[] = [];
	const smtpNames = ["FALLBACK_SMTP_PORT", "FALLBACK_SMTP_SECURITY", "FALLBACK_SMTP_USER", "FALLBACK_SMTP_PASS"];
	if (s.FALLBACK_SMTP_HOST !== undefined) {
		candidates.push({ name: "FALLBACK_SMTP_HOST", route: () => fallbackSmtp(s, refuse) });
	} else {
		for (const name of smtpNames) if (name in picked) refuse("FALLBACK_SMTP_HOST", `required when ${name} is set`);
	}
	if (s.FALLBACK_ENGAGELAB_REST === "on") {
		candidates.push({
			name: "FALLBACK_ENGAGELAB_REST",
			route: () => {
				if (primaryRoute.kind === "engagelab-rest") {
					refuse(
						"FALLBACK_ENGAGELAB_REST",
						'cannot be "on" when PRIMARY_ROUTE is "engagelab-rest": that is the same route',
					);
				}
				return rest();
			},
		});
	}
	if (env.FALLBACK_EMAIL !== undefined) {
		candidates.push({
			name: "FALLBACK_EMAIL",
			route: () => {
				if (!isSendEmailBinding(env.FALLBACK_EMAIL)) {
					refuse("FALLBACK_EMAIL", "must be a send_email binding ([[send_email]] in wrangler.toml), not a variable");
				}
				return { kind: "email-binding" };
			},
		});
	}
	const [chosen, ...others] = candidates;
	const fallback = chosen?.route();

	if (!fallback) {
		if (s.FALLBACK_RATE_LIMIT_PER_MINUTE !== undefined)
			refuse("FALLBACK_RATE_LIMIT_PER_MINUTE", "there is no second route");
		if (s.FALLBACK_ON_LIMIT === "on") refuse("FALLBACK_ON_LIMIT", "there is no second route");
	} else if (fallback.kind === "engagelab-rest") {
		const why = "the REST route shares the primary's api_user and RATE_LIMIT_PER_MINUTE";
		if (s.FALLBACK_RATE_LIMIT_PER_MINUTE !== undefined) refuse("FALLBACK_RATE_LIMIT_PER_MINUTE", `not used: ${why}`);
		if (s.FALLBACK_ON_LIMIT === "on") refuse("FALLBACK_ON_LIMIT", `cannot be "on": ${why}`);
	} else if (fallback.kind === "smtp" && s.FALLBACK_RATE_LIMIT_PER_MINUTE === undefined) {
		refuse("FALLBACK_RATE_LIMIT_PER_MINUTE", "required with FALLBACK_SMTP_HOST (the second relay's own budget)");
	}
	if (errors.length) return { ok: false, errors };
	return {
		ok: true,
		routes: {
			primary: primaryRoute,
			...(fallback ? { fallback } : {}),
			...(s.FALLBACK_RATE_LIMIT_PER_MINUTE === undefined
				? {}
				: { fallbackLimitPerMinute: s.FALLBACK_RATE_LIMIT_PER_MINUTE }),
			fallbackOnLimit: s.FALLBACK_ON_LIMIT === "on",
			ignored: others.map((o) => o.name),
		},
	};
}

function fallbackSmtp(s: z.infer<typeof schema>, refuse: (path: string, message: string) => void): SmtpRoute {
	const host = s.FALLBACK_SMTP_HOST as string;
	if (s.FALLBACK_SMTP_PORT === 25 && !isLoopback(host)) {
		refuse("FALLBACK_SMTP_PORT", "25 is refused by Workers: use 465 (tls) or 587 (starttls)");
	}
	if (s.FALLBACK_SMTP_SECURITY === "none" && !isLoopback(host)) {
		refuse("FALLBACK_SMTP_SECURITY", "none is only allowed for a loopback host");
	}
	if (s.FALLBACK_SMTP_USER === undefined) refuse("FALLBACK_SMTP_USER", "required with FALLBACK_SMTP_HOST");
	if (s.FALLBACK_SMTP_PASS === undefined) refuse("FALLBACK_SMTP_PASS", "required with FALLBACK_SMTP_HOST");
	return {
		kind: "smtp",
		host,
		port: s.FALLBACK_SMTP_PORT,
		security: s.FALLBACK_SMTP_SECURITY ?? (s.FALLBACK_SMTP_PORT === 465 ? "tls" : "starttls"),
		user: s.FALLBACK_SMTP_USER ?? "",
		pass: s.FALLBACK_SMTP_PASS ?? "",
	};
}

/** A `send_email` binding: an object with a send method (a var of that name is a string). */
function isSendEmailBinding(value: unknown): boolean {
	return typeof value === "object" && value !== null && typeof (value as { send?: unknown }).send === "function";
}
