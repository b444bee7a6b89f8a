/**
 * The RelayPool Durable Object: holds authenticated SMTP sessions open between
 * requests and delivers the messages Workers hand it over RPC, so a warm send
 * costs MAIL/RCPT/DATA (one round trip, pipelined) and the content (one).
 *
 * Never twice: a warm session can be dead without anyone knowing (the relay's
 * idle timeout, a 421, a reset). If it fails that way before the first byte
 * of content was asked for (a write error, a closed socket, 421 to MAIL, or
 * the replies to RCPT/DATA lost with the connection), the message is retried
 * once on a new session: without its content the relay has nothing to
 * deliver. After the final dot any failure is reported as it is (delivery
 * unknown), never retried.
 */
import { DurableObject } from "cloudflare:workers";
import { type Delivery, type OutgoingMessage, SmtpError } from "../smtp";
import { errorData, type PoolJob, type PoolReply } from "./job";
import { type Lease, SessionSet } from "./sessions";

/** What `stats()` tells (tests, the bench). */
export interface PoolStats {
	sockets: number;
	highWater: number;
	opened: number;
}

export class RelayPool extends DurableObject {
	readonly #sessions = new SessionSet();

	async deliver(job: PoolJob): Promise<PoolReply> {
		let consumed = false;
		const message: OutgoingMessage = {
			envelope: job.envelope,
			size: job.size,
			eightBit: job.eightBit,
			smtpUtf8: job.smtpUtf8,
			body: () => {
				consumed = true;
				return job.body;
			},
		};
		let lease: Lease | null = null;
		try {
			try {
				lease = await this.#sessions.acquire(job.smtp, job.idleMs);
			} catch (error) {
				return failed(error, false);
			}
			if (!lease) return { kind: "busy" };
			const caps = lease.session.capabilities;
			if ((job.smtpUtf8 && !caps.smtpUtf8) || (caps.size && job.size > caps.size)) {
				lease.release(true);
				return { kind: "unfit", capabilities: { ...caps } };
			}
			let delivery: Delivery;
			try {
				delivery = await lease.session.send(message, job.deadline);
			} catch (error) {
				if (!(lease.warm && deadSession(error) && !consumed)) {
					lease.release(lease.session.usable);
					return failed(error, lease.warm);
				}
				lease.release(false);
				try {
					lease = await this.#sessions.reopen(job.smtp, job.idleMs);
				} catch (reopenError) {
					lease = null;
					return failed(reopenError, false);
				}
				try {
					delivery = await lease.session.send(message, job.deadline);
				} catch (retryError) {
					lease.release(lease.session.usable);
					return failed(retryError, false);
				}
			}
			lease.release(lease.session.usable);
			return { kind: "sent", delivery: { ...delivery }, warm: lease.warm };
		} finally {
			if (!consumed) job.body.cancel().catch(() => {});
		}
	}

	stats(): PoolStats {
		return { sockets: this.#sessions.sockets, highWater: this.#sessions.highWater, opened: this.#sessions.opened };
	}
}

/**
 * The session was dead: its connection was lost, or the relay said 421
 * (closing), somewhere in MAIL/RCPT/DATA. The caller also checks that no
 * content was asked for, so the relay cannot have a message to deliver.
 */
function deadSession(error: unknown): boolean {
	if (!(error instanceof SmtpError) || !["mail", "rcpt", "data"].includes(error.stage)) return false;
	return error.reply === undefined ? error.kind === "unavailable" : error.code === 421;
}

function failed(error: unknown, warm: boolean): PoolReply {
	if (error instanceof SmtpError) return { kind: "failed", error: errorData(error), warm };
	throw error;
}
