-- A record's relay ids past its first (issue 13): when the relay took a
-- message but refused some recipients for now, the retry to those is a new
-- message at the relay, with an id of its own; the provider's events for it
-- must find the same record.
CREATE TABLE IF NOT EXISTS message_relay_ids (
	relay_id TEXT PRIMARY KEY,
	ref TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS message_relay_ids_by_ref ON message_relay_ids (ref);
