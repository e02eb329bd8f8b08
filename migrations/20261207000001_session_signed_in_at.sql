-- When each session signed in, so an account's owner can tell its sessions
-- apart on the account page (issue 14). A session row is created only when
-- something is stored in it, which is at sign-in; rows from before this
-- migration read as signed in when it ran.
ALTER TABLE sessions ADD COLUMN created_at TIMESTAMPTZ NOT NULL DEFAULT now();
