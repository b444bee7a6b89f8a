/**
 * The only file that imports `cloudflare:sockets`. Everything else in `smtp/`
 * speaks to the small `SmtpSocket` interface below, so protocol code reads as
 * protocol and can be driven by any byte pipe.
 */
import { connect } from "cloudflare:sockets";

export type SecureTransport = "off" | "on" | "starttls";

export interface SmtpSocket {
	/** Next chunk from the peer, or `null` once the peer has closed. */
	read(): Promise<Uint8Array | null>;
	write(bytes: Uint8Array): Promise<void>;
	/** Upgrade to TLS (only on a socket opened with `secureTransport: "starttls"`). Bytes buffered before are dropped. */
	startTls(): SmtpSocket;
	/** Close without ever waiting more than `graceMs` (close() after STARTTLS may never settle). */
	close(graceMs?: number): Promise<void>;
	/** Settles when the connection is open (TLS handshake done for `on`), rejects when it could not be opened. */
	readonly opened: Promise<unknown>;
}

export interface ConnectOptions {
	host: string;
	port: number;
	secureTransport: SecureTransport;
}

export type Connector = (options: ConnectOptions) => SmtpSocket;

/** Opens a TCP connection with the Workers socket API. */
export const connectSocket: Connector = ({ host, port, secureTransport }) =>
	wrap(connect({ hostname: host, port }, { secureTransport, allowHalfOpen: false }));

function wrap(socket: Socket): SmtpSocket {
	const reader = socket.readable.getReader();
	const writer = socket.writable.getWriter();
	let released = false;
	const release = () => {
		if (released) return;
		released = true;
		reader.releaseLock();
		writer.releaseLock();
	};
	return {
		opened: socket.opened,
		async read() {
			const { value, done } = await reader.read();
			return done ? null : (value as Uint8Array);
		},
		write: (bytes) => writer.write(bytes),
		startTls() {
			// RFC 3207: nothing read before the upgrade may be used after it;
			// cancel the old reader so buffered plaintext is dropped with it.
			reader.cancel().catch(() => {});
			release();
			return wrap(socket.startTls());
		},
		async close(graceMs = 1000) {
			reader.cancel().catch(() => {});
			let timer: ReturnType<typeof setTimeout> | undefined;
			const grace = new Promise<void>((resolve) => {
				timer = setTimeout(resolve, graceMs);
			});
			await Promise.race([socket.close().catch(() => {}), grace]);
			if (timer !== undefined) clearTimeout(timer);
		},
	};
}
