-- Outbound event webhooks (issue 14): one row per event to deliver, with
-- the outcome of its attempts. `stream` orders deliveries: the record's ref,
-- or the relay id while no record is known; `seq` is the order within it.
CREATE TABLE IF NOT EXISTS webhook_deliveries (
	id TEXT PRIMARY KEY,
	stream TEXT NOT NULL,
	seq INTEGER NOT NULL,
	ref TEXT,
	type TEXT NOT NULL,
	payload TEXT NOT NULL,
	status TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	next_attempt_at INTEGER NOT NULL,
	deadline_at INTEGER NOT NULL,
	last_status INTEGER,
	last_attempt_at INTEGER,
	created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS webhook_deliveries_by_stream ON webhook_deliveries (stream, seq);
