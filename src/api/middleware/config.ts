/**
 * Reads the settings once per request (src/config.ts); a bad or missing one
 * answers 500 `config_invalid`. Which setting is wrong (never its value) is
 * written to the log, and told only to a caller holding one of API_KEYS or
 * the service binding (src/rpc/): an unauthenticated caller learns only that
 * the service is misconfigured.
 */
import type { MiddlewareHandler } from "hono";
import { readConfig, usableApiKeys } from "../../config";
import { ProblemError } from "../../send/problem";
import { bearerToken, matchesApiKey } from "../auth/bearer";
import { bindingCallerOf } from "../binding-caller";
import type { AppEnv } from "../types";

export const loadConfig = (): MiddlewareHandler<AppEnv> =>
	async function loadConfig(c, next) {
		const env = c.env ?? {};
		const result = readConfig(env, new URL(c.req.url).hostname);
		if (!result.ok) {
			const detail = result.errors.map((e) => `${e.path}: ${e.message}`).join("; ");
			console.error(
				JSON.stringify({ level: "error", msg: "config_invalid", requestId: c.get("requestId"), errors: result.errors }),
			);
			const token = bearerToken(c.req.header("Authorization") ?? "");
			const trusted = bindingCallerOf(env) !== undefined || (token && (await matchesApiKey(token, usableApiKeys(env))));
			if (trusted) {
				throw new ProblemError("config_invalid", `invalid settings: ${detail}`, { errors: result.errors });
			}
			throw new ProblemError("config_invalid", "the service is misconfigured; its log names the setting");
		}
		c.set("config", result.config);
		return next();
	};
