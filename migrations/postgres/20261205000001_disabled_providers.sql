-- When an operator disabled the account with `visite admin disable`; NULL
-- while it is enabled. A disabled provider cannot log in and their room is
-- closed, but the account and its call records stay.
ALTER TABLE providers ADD COLUMN disabled_at BIGINT;
