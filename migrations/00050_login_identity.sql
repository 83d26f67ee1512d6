-- +goose Up
-- One namespace of login names, and login throttling that counts before it checks.
--
-- A person logs in with a username or a phone number (app/accounts/store.go userByLogin).
-- login_names holds every username and every phone of every account, one row per text,
-- so the primary key makes it impossible for one text to name two accounts: a username
-- can never equal someone else's phone, whatever arrives concurrently (the second of two
-- racing transactions waits on the first one's index entry and then fails with 23505 on
-- login_names_pkey). The trigger keeps it in step with users; the application never
-- writes it. The Go rule that explains the refusal to people is checkIdentifiers in
-- app/accounts/identifiers.go.
--
-- Existing collisions (a username that is another account's phone) are not guessed away:
-- only a person can tell which of the two accounts is the rightful owner of the number
-- (one of them may have been planted to capture the other's phone login). The migration
-- refuses, names every pair, and can be run again once they are fixed. A clean database
-- is not touched.
-- +goose StatementBegin
DO $$
DECLARE
    clashes text;
BEGIN
    SELECT string_agg(format('user %s (username %s, role %s) vs user %s (phone %s, role %s)',
                             a.id, a.username, a.role, b.id, b.phone, b.role), '; ' ORDER BY a.id, b.id)
    INTO clashes
    FROM users a JOIN users b ON b.phone = a.username AND b.id <> a.id;
    IF clashes IS NOT NULL THEN
        RAISE EXCEPTION 'login names collide, migration 00050 refused: %. Give each listed username a value that is nobody''s phone (UPDATE users SET username = ''...'' WHERE id = ...), then migrate again', clashes;
    END IF;
END $$;
-- +goose StatementEnd

CREATE TABLE login_names (
    name    text PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE
);
CREATE INDEX login_names_user_idx ON login_names (user_id);

INSERT INTO login_names (name, user_id)
SELECT DISTINCT v.name, u.id FROM users u, LATERAL (VALUES (u.username), (u.phone)) AS v(name)
WHERE v.name IS NOT NULL;

-- +goose StatementBegin
CREATE FUNCTION users_sync_login_names() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM login_names
        WHERE user_id = NEW.id AND name IS DISTINCT FROM NEW.username AND name IS DISTINCT FROM NEW.phone;
    END IF;
    INSERT INTO login_names (name, user_id)
    SELECT DISTINCT v.name, NEW.id FROM (VALUES (NEW.username), (NEW.phone)) AS v(name)
    WHERE v.name IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM login_names l WHERE l.name = v.name AND l.user_id = NEW.id);
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER users_login_names AFTER INSERT OR UPDATE OF username, phone ON users
    FOR EACH ROW EXECUTE FUNCTION users_sync_login_names();

-- Login attempt counters (app/accounts/throttle.go). One row per key: an account from one
-- address, an address, an account from everywhere. attempts counts the tries admitted in
-- the window that began at window_from; known_until marks an (account, address) pair the
-- account logged in from successfully. Rows whose window ended a day ago are swept
-- (app/accounts/routes.go RunSweeper).
CREATE TABLE login_throttle (
    key         text PRIMARY KEY,
    attempts    integer NOT NULL CHECK (attempts >= 0),
    window_from timestamptz NOT NULL,
    known_until timestamptz
);
CREATE INDEX login_throttle_window_idx ON login_throttle (window_from);

-- Replaced by login_throttle.
DROP TABLE login_failures;

-- +goose Down
CREATE TABLE login_failures (
    id       bigserial PRIMARY KEY,
    username text NOT NULL,
    ip       text NOT NULL,
    at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_failures_username_idx ON login_failures (username, at);
CREATE INDEX login_failures_ip_idx ON login_failures (ip, at);
DROP TABLE login_throttle;
DROP TRIGGER users_login_names ON users;
DROP FUNCTION users_sync_login_names();
DROP TABLE login_names;
