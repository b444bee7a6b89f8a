/**
 * A pass-through around the real `connectSocket` that notes, for every
 * connection the client opens, whether the client closed it: the client's
 * side of "the socket closed", which holds even where the platform cannot
 * make the close reach the relay (a TLS handshake the relay never answers).
 */
import { type Connector, connectSocket, type SmtpSocket } from "../../../src/smtp";

export interface TrackedConnection {
	/** The client upgraded it with STARTTLS. */
	upgraded: boolean;
	closed: boolean;
}

export function trackingConnector(): { connector: Connector; connections: TrackedConnection[] } {
	const connections: TrackedConnection[] = [];
	const wrap = (socket: SmtpSocket, entry: TrackedConnection): SmtpSocket => ({
		opened: socket.opened,
		read: () => socket.read(),
		write: (bytes) => socket.write(bytes),
		startTls() {
			entry.upgraded = true;
			return wrap(socket.startTls(), entry);
		},
		close(graceMs) {
			entry.closed = true;
			return socket.close(graceMs);
		},
	});
	const connector: Connector = (options) => {
		const entry: TrackedConnection = { upgraded: false, closed: false };
		connections.push(entry);
		return wrap(connectSocket(options), entry);
	};
	return { connector, connections };
}
