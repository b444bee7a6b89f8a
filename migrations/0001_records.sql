-- Message records (issue 13): one row per send, sync or async, looked up by
-- its ref; events in the order they happened. Delivery-only columns
-- (envelope, spool_key, pending_to, next_attempt_at) are cleared when final.

CREATE TABLE IF NOT EXISTS messages (
	ref TEXT PRIMARY KEY,
	owner TEXT NOT NULL,
	api_user TEXT NOT NULL,
	status TEXT NOT NULL,
	message_id TEXT NOT NULL,
	relay_id TEXT,
	from_addr TEXT NOT NULL,
	to_addrs TEXT NOT NULL,
	subject TEXT NOT NULL,
	label_id TEXT,
	created_at INTEGER NOT NULL,
	send_at INTEGER,
	sent_at INTEGER,
	deadline_at INTEGER NOT NULL,
	next_attempt_at INTEGER,
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error TEXT,
	envelope TEXT,
	spool_key TEXT,
	pending_to TEXT
);
CREATE INDEX IF NOT EXISTS messages_by_owner ON messages (owner, created_at DESC, ref DESC);
CREATE INDEX IF NOT EXISTS messages_by_relay_id ON messages (relay_id);
CREATE INDEX IF NOT EXISTS messages_by_backlog ON messages (api_user, status);
CREATE INDEX IF NOT EXISTS messages_by_age ON messages (created_at);

CREATE TABLE IF NOT EXISTS message_events (
	ref TEXT NOT NULL,
	seq INTEGER NOT NULL,
	type TEXT NOT NULL,
	at INTEGER NOT NULL,
	detail TEXT,
	PRIMARY KEY (ref, seq)
);
