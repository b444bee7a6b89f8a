/**
 * The Worker: the JSON API (app.ts) for fetch, the SEND_QUEUE consumer and
 * the retention cron (records/), the Durable Object classes behind the rate
 * limit and idempotency (limit/), the warm relay sessions and the routes'
 * circuit breakers (pool/), and the RPC entrypoint EdgeSend for other
 * Workers (edgesend.ts, mapping in rpc/).
 */

import { createApp } from "./app";
import type { Bindings } from "./env";
import { consumeQueue, type QueueJob } from "./records/consumer";
import { runRetention } from "./records/retention";

const app = createApp();

export default {
	fetch: (request, env, ctx) => app.fetch(request, env, ctx),
	queue: (batch, env, ctx) => consumeQueue(batch, env, ctx),
	scheduled: async (controller, env) => {
		await runRetention(env, controller.scheduledTime);
	},
} satisfies ExportedHandler<Bindings, QueueJob>;

export { EdgeSend } from "./edgesend";
export { IdempotencyStore, RateLimiter } from "./limit";
export { RelayPool, RouteBreaker } from "./pool";
export type * from "./rpc";
