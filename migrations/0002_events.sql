-- Delivery events (issue 14): the provider's callbacks, the suppression list,
-- and the signatures already seen (the provider signs only its timestamp, so a
-- signature is bound to the first body it came with).

-- One row per provider event; `id` is a hash of what makes the event itself,
-- so a redelivered callback inserts nothing. `ref` stays NULL until the
-- record with this relay id exists.
CREATE TABLE IF NOT EXISTS provider_events (
	id TEXT PRIMARY KEY,
	relay_id TEXT NOT NULL,
	recipient TEXT,
	type TEXT NOT NULL,
	at INTEGER NOT NULL,
	detail TEXT,
	api_user TEXT,
	received_at INTEGER NOT NULL,
	ref TEXT
);
CREATE INDEX IF NOT EXISTS provider_events_by_relay ON provider_events (relay_id, at);

-- Addresses no longer sent to, per api_user (lowercased email).
CREATE TABLE IF NOT EXISTS suppressions (
	api_user TEXT NOT NULL,
	email TEXT NOT NULL,
	reason TEXT NOT NULL,
	relay_id TEXT,
	detail TEXT,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (api_user, email)
);

-- X-WebHook-Signature values seen, with the SHA-256 of the body each first came with.
CREATE TABLE IF NOT EXISTS callback_signatures (
	signature TEXT PRIMARY KEY,
	body_sha256 TEXT NOT NULL,
	seen_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS callback_signatures_by_age ON callback_signatures (seen_at);
