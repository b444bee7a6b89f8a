-- Tags and the addresses as written (issue 22): a message's tags (JSON list
-- of {name, value}, NULL when none), filtered with json_each by
-- GET /v1/messages?tag= and GET /emails?tag=; and its from/to/cc/bcc/replyTo
-- as the caller wrote them (JSON), which Resend's view of an email shows.
ALTER TABLE messages ADD COLUMN tags TEXT;
ALTER TABLE messages ADD COLUMN addresses TEXT;
