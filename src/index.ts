/**
 * The Worker: the JSON API (app.ts) for fetch, the SEND_QUEUE consumer and
 * its dead-letter queue's (records/), the Durable Object classes behind the
 * rate limit and idempotency (limit/), the warm relay sessions and the
 * routes' circuit breakers (pool/) and the message store (store/: each object
 * sweeps itself by its alarm, so there is no cron), and the RPC entrypoint
 * EdgeSend for other Workers (edgesend.ts, mapping in rpc/).
 */

import { createApp } from "./app";
import type { Bindings } from "./env";
import { consumeQueue, type QueueJob } from "./records/consumer";
import { consumeDeadLetters } from "./records/dead-letters";

const app = createApp();

export default {
	fetch: (request, env, ctx) => app.fetch(request, env, ctx),
	// The dead-letter queue is named after the queue (wrangler.toml: edgesend-send-dlq).
	queue: (batch, env, ctx) =>
		batch.queue.endsWith("-dlq") ? consumeDeadLetters(batch, env) : consumeQueue(batch, env, ctx),
} satisfies ExportedHandler<Bindings, QueueJob>;

export { EdgeSend } from "./edgesend";
export { IdempotencyStore, RateLimiter } from "./limit";
export { RelayPool, RouteBreaker } from "./pool";
export type * from "./rpc";
export { MessageDirectory } from "./store/directory";
export { MessageShard } from "./store/message-shard";
export { RelayIndex } from "./store/relay-index";
export { SuppressionList } from "./store/suppression-list";
