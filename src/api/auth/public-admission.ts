/**
 * Admits a public-key caller before any work is done for it: before the body
 * is read, before an attachment is fetched, before an idempotency record is
 * made. The client's limit (per IP, IPv6 per /64) and then the key's own limit
 * are asked first; an Idempotency-Key is refused, since each one would be a
 * stored record the page's visitors could create at will.
 */
import type { MiddlewareHandler } from "hono";
import { ipLimiter, keyLimiter, limitedProblem } from "../../send/limiter";
import { ProblemError } from "../../send/problem";
import type { AppEnv } from "../types";

export const admitPublicCaller = (): MiddlewareHandler<AppEnv> =>
	async function admitPublicCaller(c, next) {
		const caller = c.get("caller");
		if (caller.kind !== "public") return next();
		if (c.req.header("Idempotency-Key") !== undefined) {
			throw new ProblemError("forbidden", "a public key may not use Idempotency-Key", {
				errors: [{ path: "Idempotency-Key", message: "is not allowed with a public key" }],
			});
		}
		const perIp = await ipLimiter(c.env, caller.key, caller.clientIp).acquire(1);
		if (!perIp.granted) throw ProblemError.of(limitedProblem(perIp.retryAfterMs, "this client IP"));
		const perKey = await keyLimiter(c.env, caller.key).acquire(1);
		if (!perKey.granted) throw ProblemError.of(limitedProblem(perKey.retryAfterMs, "this public key"));
		return next();
	};
