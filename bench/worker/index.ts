/**
 * The bench worker: runs inside workerd (Miniflare) so edgesend and
 * worker-mailer use the real Workers socket API. The Node orchestrator posts a
 * job as JSON and gets back the time measured here, around the work alone.
 */
import type { LimiterJob, PoolSendJob, SendJob } from "../lib/jobs.ts";
import { sendWithEdgesend } from "./edgesend.ts";
import { runLimiter } from "./limiter.ts";
import { sendOne } from "./pool.ts";
import { sendWithWorkerMailer } from "./worker-mailer.ts";

export { RateLimiter } from "../../src/limit/rate-limiter.ts";
export { RelayPool } from "../../src/pool/relay-pool.ts";

interface Env {
	RATE_LIMITER: DurableObjectNamespace<import("../../src/limit/rate-limiter.ts").RateLimiter>;
	RELAY_POOL: DurableObjectNamespace<import("../../src/pool/relay-pool.ts").RelayPool>;
}

const senders = { edgesend: sendWithEdgesend, "worker-mailer": sendWithWorkerMailer };

export default {
	async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
		const url = new URL(request.url);
		try {
			if (url.pathname === "/ping") return Response.json({ ok: true });
			if (url.pathname === "/limiter")
				return Response.json(await runLimiter(env.RATE_LIMITER, await request.json<LimiterJob>()));
			if (url.pathname === "/pool/send") {
				const job = await request.json<PoolSendJob>();
				return Response.json(await sendOne(job, env.RELAY_POOL, (work) => ctx.waitUntil(work.catch(() => {}))));
			}
			const client = url.pathname.match(/^\/(edgesend|worker-mailer)\/send$/)?.[1] as keyof typeof senders | undefined;
			if (client) return Response.json(await senders[client](await request.json<SendJob>()));
			return new Response("not found", { status: 404 });
		} catch (error) {
			const e = error as Error;
			return Response.json({ error: `${e.name}: ${e.message}`, stack: e.stack }, { status: 500 });
		}
	},
} satisfies ExportedHandler<Env>;
