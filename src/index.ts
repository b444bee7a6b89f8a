/**
 * The Worker: the JSON API (app.ts) for fetch, the Durable Object classes
 * behind the rate limit and idempotency (limit/) and the warm relay sessions
 * (pool/), and the RPC entrypoint EdgeSend for other Workers (rpc/).
 */

import type { Bindings } from "./api/types";
import { createApp } from "./app";

const app = createApp();

export default {
	fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Bindings>;

export { IdempotencyStore, RateLimiter } from "./limit";
export { RelayPool } from "./pool";
export type * from "./rpc";
export { EdgeSend } from "./rpc";
