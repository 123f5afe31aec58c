-- Patients and calls whose visit ended, so that their resumption tickets
-- cannot bring them back, also on a restarted server. A row holds the room,
-- a random number and an expiry, nothing about the patient, and is deleted
-- once every ticket naming it has expired.
CREATE TABLE ended_visits (
    provider_id BIGINT NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    kind        TEXT NOT NULL CHECK (kind IN ('patient', 'call')),
    number      BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    PRIMARY KEY (provider_id, kind, number)
);
