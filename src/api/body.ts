/**
 * Reads the (already bounded) request body as JSON. A missing Content-Type is
 * taken as JSON; another media type is 415; text that is not JSON is a 400.
 */
import type { Context } from "hono";
import { ProblemError } from "../send/problem";
import type { AppEnv } from "./types";

const json = /^application\/([\w.-]+\+)?json$/i;

export async function readJson(c: Context<AppEnv>): Promise<unknown> {
	const type = c.req.header("Content-Type");
	if (type !== undefined && !json.test(type.split(";")[0].trim())) {
		throw new ProblemError("unsupported_media_type", `the body must be application/json, not ${type.split(";")[0]}`);
	}
	const text = await c.req.text();
	try {
		return JSON.parse(text);
	} catch {
		throw new ProblemError("validation_failed", "the body is not valid JSON", {
			errors: [{ path: "", message: "is not valid JSON" }],
		});
	}
}
