-- Which route a sent message went by (issue 23): 'primary' or 'fallback' (the second route). NULL: not
-- sent (yet), or recorded before routes were told apart.
ALTER TABLE messages ADD COLUMN route TEXT;
