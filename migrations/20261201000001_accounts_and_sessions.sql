-- Accounts and server-side sessions (issue 6).
--
-- Anonymous visitors are viewers and have no row. An account is a viewer
-- (signed in, no write rights), an analyst (enters and edits figures) or an
-- admin (also manages users). Passwords are stored as Argon2id PHC strings
-- only. Accounts are disabled, never deleted, so the `entered_by` of every
-- fact version keeps pointing at someone known.

CREATE TABLE users (
    id                  BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- Stored lower-cased (compared case-insensitively).
    email               TEXT NOT NULL UNIQUE
                        CHECK (email = lower(email) AND length(email) BETWEEN 3 AND 254
                               AND position('@' IN email) > 1),
    role                TEXT NOT NULL CHECK (role IN ('viewer', 'analyst', 'admin')),
    password_hash       TEXT NOT NULL CHECK (password_hash LIKE '$argon2id$%'),
    disabled            BOOLEAN NOT NULL DEFAULT false,
    created_at          TIMESTAMPTZ NOT NULL DEFAULT now(),
    password_changed_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The session store of tower-sessions-sqlx-store (its own columns: id, data,
-- expiry_date), plus `user_id`, kept by the server on every save, so that
-- logging out everywhere or disabling a user deletes their sessions here.
CREATE TABLE sessions (
    id          TEXT PRIMARY KEY NOT NULL,
    data        BYTEA NOT NULL,
    expiry_date TIMESTAMPTZ NOT NULL,
    user_id     BIGINT REFERENCES users (id) ON DELETE CASCADE
);

CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expiry_date);
