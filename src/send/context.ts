/**
 * What a door hands the send path for one request: the environment and
 * settings, who is calling, the api_user's limiter, and two hooks — one run
 * just before the first connection (the HTTP door marks its Idempotency-Key
 * record as sending), one that keeps work going after the answer (QUIT,
 * delivery events).
 */
import type { Config } from "../config";
import type { Bindings } from "../env";
import { usesRest } from "../routes-config";
import type { Sender } from "./accept";
import type { Caller } from "./caller";
import type { Limiter } from "./limiter";
import type { RequestIdentity } from "./message-seed";

export interface SendContext {
	env: Bindings;
	config: Config;
	caller: Caller;
	/** The api_user's limiter (a door may read its last state, as the HTTP door does for RateLimit headers). */
	limiter: Limiter;
	/** Called before any message of the request may reach the relay, and only then. */
	beforeDelivery: () => Promise<void>;
	/** Work that must finish but must not hold up the answer. */
	background: (work: Promise<unknown>) => void;
	/** The request's Idempotency-Key, when it has one: its messages are seeded (message-seed.ts). */
	idempotency?: RequestIdentity;
}

/** Who sends, as the records keep it. */
export const senderOf = (ctx: SendContext): Sender => ({
	owner: ctx.caller.id,
	apiUser: ctx.config.smtp.user,
	ehloName: ctx.config.smtp.ehloName,
	keepFields: usesRest(ctx.config.routes),
});

/** Whether outbound event webhooks are configured (the URL and its secret): records then fill their outbox. */
export const publishes = (config: Config): boolean => Boolean(config.events.webhookUrl && config.events.webhookSecret);
