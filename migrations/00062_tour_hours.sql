-- +goose Up
-- A tour's 学时: what a confirmed participant is credited in the 学时 ledger (app/hours,
-- migrations/00059_hour_ledger.sql, source 'tour'), 线下. 0 (the default, and every tour
-- before this migration) credits nothing. The bound is the ledger's own (hours.MaxHours).
ALTER TABLE tours ADD COLUMN hours numeric(5,2) NOT NULL DEFAULT 0
    CONSTRAINT tours_hours_check CHECK (hours >= 0 AND hours <= 200);

-- +goose Down
ALTER TABLE tours DROP COLUMN hours;
