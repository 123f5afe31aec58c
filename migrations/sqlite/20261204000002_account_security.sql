-- Verified email, second factors, throttling, devices and the security log.

ALTER TABLE providers ADD COLUMN email_verified_at INTEGER;
-- Accounts from before email verification existed keep working.
UPDATE providers SET email_verified_at = created_at;
-- 'full' after the second factor; 'password' between password and second factor.
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'full';
-- When the password (or a passkey) was last checked in this session, for
-- actions that need a fresh authentication.
ALTER TABLE sessions ADD COLUMN authenticated_at INTEGER NOT NULL DEFAULT 0;
-- Coarse browser and operating system, such as "Firefox on Windows".
ALTER TABLE sessions ADD COLUMN device_label TEXT NOT NULL DEFAULT '';
-- A TOTP secret shown for enrolment but not yet confirmed with a code.
ALTER TABLE sessions ADD COLUMN pending_totp_secret BLOB;

-- Single-use links sent by email; only the SHA-256 of the token is stored.
CREATE TABLE email_tokens (
    token_hash  BLOB PRIMARY KEY,
    provider_id INTEGER NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    -- 'verify', 'reset', 'unlock', 'lockdown' or 'change_email'
    purpose     TEXT NOT NULL,
    -- The address to switch to, for 'change_email' only.
    new_email   TEXT,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL
);

CREATE INDEX email_tokens_provider ON email_tokens (provider_id, purpose);

-- An authenticator-app secret (RFC 6238) and the last accepted time step,
-- so that no code is accepted twice.
CREATE TABLE totp_factors (
    provider_id INTEGER PRIMARY KEY REFERENCES providers (id) ON DELETE CASCADE,
    secret      BLOB NOT NULL,
    last_step   INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
);

-- Single-use recovery codes, stored as SHA-256 hashes.
CREATE TABLE recovery_codes (
    code_hash   BLOB PRIMARY KEY,
    provider_id INTEGER NOT NULL REFERENCES providers (id) ON DELETE CASCADE
);

CREATE INDEX recovery_codes_provider ON recovery_codes (provider_id);

-- Failed password and second-factor checks in a row, per account and per
-- client network (a keyed hash of the IP address, never the address).
CREATE TABLE login_failures (
    subject         TEXT PRIMARY KEY,
    failures        INTEGER NOT NULL,
    last_failure_at INTEGER NOT NULL
);

-- Browsers that completed a login, by the hash of a long-lived random cookie.
CREATE TABLE known_devices (
    provider_id   INTEGER NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    device_hash   BLOB NOT NULL,
    first_seen_at INTEGER NOT NULL,
    PRIMARY KEY (provider_id, device_hash)
);

-- What happened to an account: logins, failures, factor and password changes.
CREATE TABLE security_events (
    id          INTEGER PRIMARY KEY,
    provider_id INTEGER NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    at          INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    -- Coarse device label; never patient data.
    device_label TEXT NOT NULL DEFAULT ''
);

CREATE INDEX security_events_provider_at ON security_events (provider_id, at);

-- Values the whole installation shares, such as the key for IP hashes.
CREATE TABLE server_secrets (
    name  TEXT PRIMARY KEY,
    value BLOB NOT NULL
);
