-- Room links held for a while without an account, so that a signup with an
-- already registered email address looks the same from outside as one that
-- created an unconfirmed account holding its room link.
CREATE TABLE slug_reservations (
    slug       TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
