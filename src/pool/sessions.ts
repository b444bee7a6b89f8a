/**
 * The open SMTP sessions of one RelayPool object: at most MAX_SOCKETS sockets
 * (open, opening or saying QUIT), each used by one transaction at a time.
 * A session is lent out whole and handed back; it is closed with QUIT when it
 * has been idle for the idle time, has carried MAX_MESSAGES, or is older than
 * MAX_AGE_MS (below the platform's 15 minutes an outbound connection keeps an
 * object alive), so objects can be evicted and the relay is not held.
 */
import { SmtpSession } from "../smtp";
import type { PoolSmtpConfig } from "./job";

/** The platform's cap on simultaneous open connections of one invocation. */
export const MAX_SOCKETS = 6;
export const MAX_MESSAGES = 100;
export const MAX_AGE_MS = 10 * 60_000;
/** The session deadline of a pooled session: past its whole life, so only the lifecycle ends it. */
const SESSION_DEADLINE_MS = MAX_AGE_MS + 60_000;

export interface Lease {
	session: SmtpSession;
	/** Whether the session had carried a transaction before this one. */
	warm: boolean;
	/** Hands the session back: `usable` false drops it (its connection failed). */
	release(usable: boolean): void;
}

interface Slot {
	/** Which settings the session was opened with (the AUTH user's, password included). */
	key: string;
	session: SmtpSession | null;
	openedAt: number;
	messages: number;
	busy: boolean;
	idleTimer?: ReturnType<typeof setTimeout>;
}

export class SessionSet {
	readonly #slots = new Set<Slot>();
	/** Sockets still closing (QUIT in flight) count against the cap until they are closed. */
	#closing = 0;
	#waiters: (() => void)[] = [];
	/** The most sockets this object ever held at once (for tests and the bench). */
	highWater = 0;
	opened = 0;
	/** Moving averages of a transaction and of opening a session, in ms (0: not measured yet). */
	#txMs = 0;
	#openMs = 0;

	get sockets(): number {
		return this.#slots.size + this.#closing;
	}

	/**
	 * A session for `config`: an idle warm one, else a new one while below the
	 * cap; at the cap, a wait for a busy one to come free, but only while that
	 * wait is expected to be shorter than opening a session (the Worker opens
	 * one directly instead); `null` then.
	 */
	async acquire(config: PoolSmtpConfig, idleMs: number): Promise<Lease | null> {
		const key = JSON.stringify(config);
		const until = Date.now() + this.#openMs;
		for (;;) {
			const warm = this.#idle(key);
			if (warm) return this.#lend(warm, true, idleMs);
			if (this.sockets >= MAX_SOCKETS) this.#evictIdleOther(key);
			if (this.sockets < MAX_SOCKETS) return this.#lend(await this.#open(config, key), false, idleMs);
			const left = until - Date.now();
			if (left <= 0 || !this.#worthWaiting() || !(await this.#changed(left))) return null;
		}
	}

	/** Whether the sends queued ahead, a transaction each per socket, finish before a new session would open. */
	#worthWaiting(): boolean {
		const ahead = this.#waiters.length;
		// Nothing measured yet (a cold object): a wait could only add to a new session's cost.
		if (!this.#txMs || !this.#openMs) return false;
		return (Math.floor(ahead / MAX_SOCKETS) + 1) * this.#txMs < this.#openMs;
	}

	/** A fresh session in place of a dead one (the lease's socket is already closed). */
	async reopen(config: PoolSmtpConfig, idleMs: number): Promise<Lease> {
		return this.#lend(await this.#open(config, JSON.stringify(config)), false, idleMs);
	}

	/** QUIT on every idle session (the object is going away). */
	closeIdle(): Promise<void> {
		return Promise.all([...this.#slots].filter((s) => !s.busy).map((s) => this.#close(s))).then(() => {});
	}

	#idle(key: string): Slot | undefined {
		let best: Slot | undefined;
		for (const slot of this.#slots) {
			if (slot.busy || slot.key !== key || !slot.session) continue;
			if (Date.now() - slot.openedAt >= MAX_AGE_MS) {
				void this.#close(slot);
				continue;
			}
			// The most recently opened first: a trickle stays on one session, the rest idle out.
			if (!best || slot.openedAt > best.openedAt) best = slot;
		}
		return best;
	}

	/** At the cap with idle sessions of another AUTH user (label switching): close the oldest. */
	#evictIdleOther(key: string): void {
		const other = [...this.#slots].filter((s) => !s.busy && s.key !== key).sort((a, b) => a.openedAt - b.openedAt)[0];
		if (other) void this.#close(other);
	}

	async #open(config: PoolSmtpConfig, key: string): Promise<Slot> {
		const slot: Slot = { key, session: null, openedAt: Date.now(), messages: 0, busy: true };
		this.#slots.add(slot);
		this.highWater = Math.max(this.highWater, this.sockets);
		try {
			const started = Date.now();
			slot.session = await SmtpSession.open({ ...config, sessionTimeoutMs: SESSION_DEADLINE_MS });
			this.#openMs = average(this.#openMs, Date.now() - started);
			this.opened++;
			return slot;
		} catch (error) {
			this.#slots.delete(slot);
			this.#notify();
			throw error;
		}
	}

	#lend(slot: Slot, warm: boolean, idleMs: number): Lease {
		slot.busy = true;
		if (slot.idleTimer !== undefined) clearTimeout(slot.idleTimer);
		slot.idleTimer = undefined;
		let released = false;
		const lentAt = Date.now();
		return {
			session: slot.session as SmtpSession,
			warm,
			release: (usable) => {
				if (released) return;
				released = true;
				if (usable) this.#txMs = average(this.#txMs, Date.now() - lentAt);
				slot.messages++;
				slot.busy = false;
				// A failed session closes its own socket; close() then only makes sure (no QUIT).
				if (!usable) void this.#close(slot);
				else if (slot.messages >= MAX_MESSAGES || Date.now() - slot.openedAt >= MAX_AGE_MS) void this.#close(slot);
				else slot.idleTimer = setTimeout(() => void this.#close(slot), idleMs);
				this.#notify();
			},
		};
	}

	async #close(slot: Slot): Promise<void> {
		if (!this.#slots.delete(slot)) return;
		if (slot.idleTimer !== undefined) clearTimeout(slot.idleTimer);
		this.#closing++;
		try {
			await slot.session?.close();
		} finally {
			this.#closing--;
			this.#notify();
		}
	}

	/** Resolves true when a session is handed back or a socket closes, false after `ms`. */
	#changed(ms: number): Promise<boolean> {
		return new Promise((resolve) => {
			const timer = setTimeout(() => {
				this.#waiters = this.#waiters.filter((w) => w !== wake);
				resolve(false);
			}, ms);
			const wake = () => {
				clearTimeout(timer);
				resolve(true);
			};
			this.#waiters.push(wake);
		});
	}

	#notify(): void {
		const waiters = this.#waiters;
		this.#waiters = [];
		for (const wake of waiters) wake();
	}
}

/** An exponential moving average (the first sample stands alone). */
const average = (mean: number, sample: number) => (mean ? mean * 0.8 + sample * 0.2 : sample);
