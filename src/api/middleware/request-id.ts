/**
 * Gives every request an id and puts it on every answer as `X-Request-Id`,
 * including answers built as plain Responses and error answers. A caller's
 * own id is kept when it is short and plain.
 */
import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../types";

const plainId = /^[\w.-]{1,128}$/;

export const requestId = (): MiddlewareHandler<AppEnv> =>
	async function requestId(c, next) {
		const given = c.req.header("X-Request-Id");
		const id = given && plainId.test(given) ? given : crypto.randomUUID();
		c.set("requestId", id);
		await next();
		c.res.headers.set("X-Request-Id", id);
	};
