-- A password an admin issued (the first password of an account added at
-- /admin/users) is to be changed at the account's first sign-in: until
-- then the account may only change it (issue 14, OWASP ASVS 2.3.1).
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT false;
