-- Keys that every server process of an installation shares, such as the key
-- that signs resumption tickets. Created at first start; no patient data.
CREATE TABLE server_keys (
    name       TEXT PRIMARY KEY,
    key        BYTEA NOT NULL,
    created_at BIGINT NOT NULL
);
