/**
 * Decides who is calling, from the first credential present: the RPC door's
 * mark (binding-caller.ts), a Bearer API key, Standard Webhooks headers, or a
 * public key in `?key=`. Nothing else gets past it. A public key and a webhook
 * are held to their routes here. A webhook's signature is checked later, by `verifyWebhookBody`,
 * once the body limit has bounded the bytes it covers.
 */
import type { MiddlewareHandler } from "hono";
import { ProblemError } from "../../send/problem";
import { bindingCallerOf } from "../binding-caller";
import type { AppEnv } from "../types";
import { bearerToken, keyId, matchesApiKey } from "./bearer";
import { findPublicKey, originAllowed } from "./public-key";
import { verifyWebhook, webhookHeaders } from "./webhook";

/** The only route a public key may call. */
const PUBLIC_ROUTE = "/v1/send";
/**
 * The only routes a signed webhook may call. Its signature covers the id, the
 * timestamp and the body, not the method or the path: anywhere else a captured
 * call could be replayed as another request (a DELETE, or a GET with an empty body).
 */
const WEBHOOK_ROUTES = ["POST /v1/send", "POST /v1/batch"];

export const authenticate = (): MiddlewareHandler<AppEnv> =>
	async function authenticate(c, next) {
		const config = c.get("config");
		const viaBinding = bindingCallerOf(c.env);
		if (viaBinding) {
			c.set("caller", { kind: "binding", id: `binding:${viaBinding.name}` });
			return next();
		}
		const authorization = c.req.header("Authorization");
		if (authorization !== undefined) {
			const token = bearerToken(authorization);
			if (!token || !(await matchesApiKey(token, config.apiKeys))) {
				throw new ProblemError(
					"unauthorized",
					token ? "the API key is not valid" : "use Authorization: Bearer <API key>",
				);
			}
			c.set("caller", { kind: "bearer", id: `key:${await keyId(token)}` });
			return next();
		}
		if (c.req.header("webhook-signature") !== undefined || c.req.header("webhook-id") !== undefined) {
			if (!config.webhookSecret)
				throw new ProblemError("unauthorized", "signed webhooks are not enabled (no WEBHOOK_SECRET)");
			if (!WEBHOOK_ROUTES.includes(`${c.req.method} ${c.req.path}`)) {
				throw new ProblemError(
					"forbidden",
					`a signed webhook may only call ${WEBHOOK_ROUTES.join(" or ")}: its signature covers the body, not the method or path`,
				);
			}
			const headers = webhookHeaders(c.req.raw.headers, Date.now());
			c.set("caller", { kind: "webhook", id: "webhook", ...headers });
			return next();
		}
		const key = findPublicKey(config.publicKeys, c.req.query("key"));
		if (key) {
			const origin = c.req.header("Origin");
			if (!originAllowed(key, origin))
				throw new ProblemError("forbidden", "this public key may not be used from this origin");
			if (c.req.path !== PUBLIC_ROUTE || c.req.method !== "POST") {
				throw new ProblemError("forbidden", `a public key may only call POST ${PUBLIC_ROUTE}`);
			}
			const clientIp = c.req.header("CF-Connecting-IP") ?? "unknown";
			c.set("caller", { kind: "public", id: `public:${await keyId(key.key)}`, key, origin, clientIp });
			return next();
		}
		throw new ProblemError(
			"unauthorized",
			c.req.query("key") ? "the public key is not valid" : "no credentials: use Authorization: Bearer <API key>",
		);
	};

/** Checks a webhook's signature over the raw body (after the body limit). */
export const verifyWebhookBody = (): MiddlewareHandler<AppEnv> =>
	async function verifyWebhookBody(c, next) {
		const caller = c.get("caller");
		if (caller.kind === "webhook") {
			const secret = c.get("config").webhookSecret as Uint8Array;
			const body = new Uint8Array(await c.req.arrayBuffer());
			if (!(await verifyWebhook(secret, caller, body))) {
				throw new ProblemError("unauthorized", "webhook-signature does not match the body: refused");
			}
		}
		return next();
	};
