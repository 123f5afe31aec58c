-- Passkeys and security keys (WebAuthn credentials) as second factors and
-- for passwordless sign-in.

CREATE TABLE passkeys (
    id            INTEGER PRIMARY KEY,
    provider_id   INTEGER NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    -- The credential id the authenticator chose; unique across all providers.
    credential_id BLOB NOT NULL,
    -- webauthn-rs `Passkey` as JSON: the public key, the signature counter
    -- and the backup flags. It contains no secret.
    passkey_json  TEXT NOT NULL,
    -- Chosen by the provider, or the device label of the registering browser.
    name          TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    CONSTRAINT passkeys_credential_id_key UNIQUE (credential_id)
);

CREATE INDEX passkeys_provider ON passkeys (provider_id);

-- The state of a WebAuthn ceremony between its two requests. It holds the
-- challenge, so it stays on the server and is used at most once.
CREATE TABLE passkey_ceremonies (
    -- SHA-256 of the session token, or of a random ceremony id for a
    -- passwordless sign-in, which has no session yet.
    key_hash   BLOB NOT NULL,
    -- 'register', 'authenticate' or 'discover'
    kind       TEXT NOT NULL,
    state_json TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    PRIMARY KEY (key_hash, kind)
);
