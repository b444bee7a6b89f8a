/**
 * Reads the settings once per request (src/config.ts); a bad or missing one
 * answers 500 `config_invalid` naming each setting, never its value.
 */
import type { MiddlewareHandler } from "hono";
import { readConfig } from "../../config";
import { ApiProblem } from "../problem";
import type { AppEnv } from "../types";

export const loadConfig = (): MiddlewareHandler<AppEnv> =>
	async function loadConfig(c, next) {
		const result = readConfig(c.env ?? {}, new URL(c.req.url).hostname);
		if (!result.ok) {
			const detail = result.errors.map((e) => `${e.path}: ${e.message}`).join("; ");
			throw new ApiProblem("config_invalid", `invalid settings: ${detail}`, { errors: result.errors });
		}
		c.set("config", result.config);
		return next();
	};
