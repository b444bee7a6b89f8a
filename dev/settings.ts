/**
 * What `npm run dev` runs against: reads the vars file (`.dev.vars`, or the
 * file named by EDGESEND_DEV_VARS), and decides between the local relay and a
 * real one. Only the decision and the dev-only values live here; the worker
 * reads its own settings through wrangler.
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseEnv } from "node:util";

/** Credentials of the local relay: they open nothing but the relay on 127.0.0.1. */
export const DEV_SMTP_USER = "dev_user";
export const DEV_SMTP_PASS = "dev_pass";
/** The worker's API key in local mode, when the vars file sets none. */
export const DEV_API_KEY = "edgesend-dev-key";
export const DEV_EHLO_NAME = "edgesend.localhost";
/** The local relay answers `536 Frequency limited` past this many sends a minute, so the 429 path is easy to see. */
export const DEFAULT_RELAY_PER_MINUTE = 20;

export interface DevSettings {
	root: string;
	/** The vars file wrangler reads (it may not exist). */
	varsFile: string;
	/** Where the outbox and wrangler's local state live. */
	devDir: string;
	/** true: start the local relay and point the worker at it. */
	localRelay: boolean;
	relayPerMinute: number;
	/** Whether API_KEYS comes from the vars file (then the banner must not print it). */
	userApiKeys: boolean;
	/**
	 * The key the inbox reads message records with: the vars file's first
	 * API_KEYS entry, else DEV_API_KEY. Records belong to the key that sent
	 * them, so the inbox shows the statuses of that key's sends.
	 */
	readKey: string;
	/** Whether EVENTS_WEBHOOK_URL comes from the vars file (else the dev receiver takes the events). */
	userEventsWebhook: boolean;
	/** SMTP_HOST when a real relay is configured, for the banner. */
	realHost?: string;
	/** DEV_FALLBACK=1: a second local relay as the worker's second route (local relay only). */
	fallback: boolean;
}

const LOOPBACK = new Set(["localhost", "127.0.0.1", "::1", "[::1]"]);

export function readVarsFile(file: string): Record<string, string> {
	if (!existsSync(file)) return {};
	return parseEnv(readFileSync(file, "utf8")) as Record<string, string>;
}

export function loadSettings(root: string, env: NodeJS.ProcessEnv = process.env): DevSettings {
	const varsFile = resolve(root, env.EDGESEND_DEV_VARS || ".dev.vars");
	const vars = readVarsFile(varsFile);
	const host = vars.SMTP_HOST?.trim();
	const localRelay = !host || LOOPBACK.has(host.toLowerCase());
	const perMinute = Number(env.DEV_RELAY_PER_MINUTE ?? vars.DEV_RELAY_PER_MINUTE ?? DEFAULT_RELAY_PER_MINUTE);
	if (!Number.isInteger(perMinute) || perMinute < 0) {
		throw new Error("DEV_RELAY_PER_MINUTE must be a whole number (0 = no limit)");
	}
	return {
		root,
		varsFile,
		devDir: resolve(root, env.EDGESEND_DEV_DIR || ".dev"),
		localRelay,
		relayPerMinute: perMinute,
		userApiKeys: Boolean(vars.API_KEYS?.trim()),
		readKey:
			vars.API_KEYS?.split(",")
				.map((key) => key.trim())
				.find(Boolean) ?? DEV_API_KEY,
		userEventsWebhook: Boolean(vars.EVENTS_WEBHOOK_URL?.trim()),
		realHost: localRelay ? undefined : host,
		fallback: localRelay && (env.DEV_FALLBACK ?? vars.DEV_FALLBACK) === "1",
	};
}

/**
 * The `--var`s that make the second local relay the worker's second route.
 * Its limit is the first relay's (or 1000 a minute when that one has none):
 * FALLBACK_RATE_LIMIT_PER_MINUTE is required for a second SMTP relay.
 */
export function fallbackWorkerVars(settings: DevSettings, relayPort: number): Record<string, string> {
	return {
		FALLBACK_SMTP_HOST: "localhost",
		FALLBACK_SMTP_PORT: String(relayPort),
		FALLBACK_SMTP_SECURITY: "starttls",
		FALLBACK_SMTP_USER: DEV_SMTP_USER,
		FALLBACK_SMTP_PASS: DEV_SMTP_PASS,
		FALLBACK_RATE_LIMIT_PER_MINUTE: String(settings.relayPerMinute || 1000),
	};
}

/** The `--var` values that point the worker at the local relay (none of them is a real secret). */
export function localWorkerVars(settings: DevSettings, relayPort: number): Record<string, string> {
	const vars: Record<string, string> = {
		SMTP_HOST: "localhost", // by name: the test certificate names localhost
		SMTP_PORT: String(relayPort),
		SMTP_SECURITY: "starttls",
		SMTP_USER: DEV_SMTP_USER,
		SMTP_PASS: DEV_SMTP_PASS,
		EHLO_NAME: DEV_EHLO_NAME,
	};
	if (!settings.userApiKeys) vars.API_KEYS = DEV_API_KEY;
	return vars;
}

/** The `--var`s of delivery events: the simulated callbacks' key (local relay), and the dev receiver. */
export function eventVars(
	callbackKey: string | undefined,
	receiver: { url: string; secret: string } | undefined,
): Record<string, string> {
	return {
		...(callbackKey ? { ENGAGELAB_WEBHOOK_KEY: callbackKey } : {}),
		...(receiver ? { EVENTS_WEBHOOK_URL: receiver.url, EVENTS_WEBHOOK_SECRET: receiver.secret } : {}),
	};
}
