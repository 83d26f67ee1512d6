-- +goose Up
-- Every app instance keeps a few seconds' cache of session → identity (app/web/
-- sessioncache.go). These triggers tell every instance, through NOTIFY on the channel
-- zhibu_sessions (delivered at commit), when a cached identity may be wrong: a session
-- ended ('s:' || session id — logout, password change, deactivation) or a user's sign-in
-- facts changed ('u:' || user id — role, township, branch, name, password, active). An
-- instance that misses a notification still drops the entry within the cache's TTL.
-- Expired sessions removed by the sweeper are not announced: the cache checks expiry.

-- +goose StatementBegin
CREATE FUNCTION zhibu_session_ended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.expires_at > now() THEN
        PERFORM pg_notify('zhibu_sessions', 's:' || OLD.id);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION zhibu_user_signin_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('zhibu_sessions', 'u:' || OLD.id);
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER sessions_ended AFTER DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION zhibu_session_ended();

CREATE TRIGGER users_signin_changed AFTER UPDATE OF username, name, role, township_id, branch_id,
        password_hash, must_change_password, active ON users
    FOR EACH ROW WHEN (OLD.username IS DISTINCT FROM NEW.username OR OLD.name IS DISTINCT FROM NEW.name
        OR OLD.role IS DISTINCT FROM NEW.role OR OLD.township_id IS DISTINCT FROM NEW.township_id
        OR OLD.branch_id IS DISTINCT FROM NEW.branch_id OR OLD.password_hash IS DISTINCT FROM NEW.password_hash
        OR OLD.must_change_password IS DISTINCT FROM NEW.must_change_password OR OLD.active IS DISTINCT FROM NEW.active)
    EXECUTE FUNCTION zhibu_user_signin_changed();

CREATE TRIGGER users_deleted AFTER DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION zhibu_user_signin_changed();

-- +goose Down
DROP TRIGGER users_deleted ON users;
DROP TRIGGER users_signin_changed ON users;
DROP TRIGGER sessions_ended ON sessions;
DROP FUNCTION zhibu_user_signin_changed();
DROP FUNCTION zhibu_session_ended();
