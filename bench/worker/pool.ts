/**
 * One message the two ways /v1/send can take: through a RelayPool object
 * (src/pool/, a warm session when one is open) or directly (a new session,
 * QUIT in the background), timed here around the delivery alone.
 */

import { composeMessage } from "../../src/mime/index.ts";
import { type PoolMessage, type RelayPool, sendThroughPool, shardName } from "../../src/pool/index.ts";
import { SmtpSession } from "../../src/smtp/index.ts";
import { toMessageInput } from "../lib/edgesend-input.ts";
import { ehloName, jobMessages, type PoolSendJob, type PoolSendResult, relayCredentials } from "../lib/jobs.ts";

export async function sendOne(
	job: PoolSendJob,
	namespace: DurableObjectNamespace<RelayPool>,
	waitUntil: (work: Promise<unknown>) => void,
): Promise<PoolSendResult> {
	const smtp = { host: "localhost", port: job.port, security: job.security, ...relayCredentials, ehloName };
	const [message] = jobMessages({ ...job, kind: "small", messages: 1, recipients: 1, sessions: 1 });
	const composed = composeMessage(toMessageInput(message));
	const start = Date.now();
	const direct = async (fellBack: boolean): Promise<PoolSendResult> => {
		const session = await SmtpSession.open(smtp);
		try {
			const delivery = await session.send(composed);
			return { ms: Date.now() - start, warm: false, delivered: delivery.accepted.length ? 1 : 0, fellBack };
		} finally {
			waitUntil(session.close());
		}
	};
	if (job.via === "direct") return direct(false);
	const pooled = (): PoolMessage => ({
		smtp,
		envelope: composed.envelope,
		size: composed.size,
		eightBit: composed.eightBit,
		smtpUtf8: composed.smtpUtf8,
		body: composed.body(),
		idleMs: 60_000,
	});
	const outcome = await sendThroughPool(
		{ namespace },
		(shard) => shardName(smtp.host, smtp.port, smtp.user, shard),
		pooled,
	);
	// Every shard busy: sent directly, as deliverMessages does.
	if (outcome.kind === "direct") return direct(true);
	if (outcome.kind !== "sent") throw new Error(`the pool did not deliver: ${JSON.stringify(outcome)}`);
	return { ms: Date.now() - start, warm: outcome.warm, delivered: 1, fellBack: false };
}
