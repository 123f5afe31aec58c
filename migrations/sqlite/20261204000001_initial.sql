-- Provider accounts, their login sessions and the minimum record of calls.
-- Nothing about patients is stored.

CREATE TABLE providers (
    id              INTEGER PRIMARY KEY,
    -- Stored lower-cased; compared exactly.
    email           TEXT NOT NULL,
    name            TEXT NOT NULL,
    practice_name   TEXT NOT NULL,
    slug            TEXT NOT NULL,
    password_hash   TEXT NOT NULL,
    waiting_message TEXT NOT NULL DEFAULT '',
    -- Language for emails: 'de' or 'en'.
    locale          TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    CONSTRAINT providers_email_key UNIQUE (email),
    CONSTRAINT providers_slug_key UNIQUE (slug)
);

CREATE TABLE sessions (
    -- SHA-256 of the cookie value; the value itself is never stored.
    token_hash   BLOB PRIMARY KEY,
    provider_id  INTEGER NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL
);

CREATE INDEX sessions_provider ON sessions (provider_id);

-- Per call only who held it, when it started and how long it lasted (seconds).
CREATE TABLE calls (
    id               INTEGER PRIMARY KEY,
    provider_id      INTEGER NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    started_at       INTEGER NOT NULL,
    duration_seconds INTEGER NOT NULL
);

CREATE INDEX calls_provider_started ON calls (provider_id, started_at);
