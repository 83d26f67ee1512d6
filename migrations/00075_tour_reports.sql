-- +goose Up
-- Study tours that close the loop (app/tours, docs/tours.md).
-- A tour may link a pre-reading course that its confirmed participants see, and may ask for a
-- report (学习报告 / 发展思路) by report_due (null = no report asked). For a tour with report_due
-- its 学时 are credited to the ledger when the report is accepted, not on confirmation.
ALTER TABLE tours ADD COLUMN course_id bigint REFERENCES courses(id) ON DELETE SET NULL;
ALTER TABLE tours ADD COLUMN report_due date;

-- One report per participant and tour. Every change (submit/edit, review) runs in a
-- transaction that locks the tour row FOR SHARE, the person's sign-up row, then the report
-- row FOR UPDATE (app/tours/store_reports.go), so two reviews at once serialize and credit
-- the ledger once.
CREATE TABLE tour_reports (
    id           bigserial PRIMARY KEY,
    tour_id      bigint NOT NULL REFERENCES tours(id) ON DELETE CASCADE,
    user_id      bigint NOT NULL REFERENCES users(id),
    status       text NOT NULL CHECK (status IN ('submitted','accepted','returned')),
    body         text NOT NULL,
    pdf_name     text,
    pdf          bytea,
    comment      text NOT NULL DEFAULT '',
    submitted_at timestamptz NOT NULL,
    reviewed_at  timestamptz,
    reviewed_by  bigint REFERENCES users(id),
    UNIQUE (tour_id, user_id),
    CHECK ((pdf_name IS NULL) = (pdf IS NULL))
);
CREATE INDEX tour_reports_user_idx ON tour_reports (user_id);

-- The township sharing session (乡镇分享会) after the return: one per tour and township.
CREATE TABLE tour_sharing (
    id          bigserial PRIMARY KEY,
    tour_id     bigint NOT NULL REFERENCES tours(id) ON DELETE CASCADE,
    township_id bigint NOT NULL REFERENCES townships(id),
    held_on     date NOT NULL,
    note        text NOT NULL DEFAULT '',
    recorded_by bigint REFERENCES users(id),
    recorded_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (tour_id, township_id)
);

CREATE TABLE tour_sharing_attendees (
    sharing_id bigint NOT NULL REFERENCES tour_sharing(id) ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES users(id),
    PRIMARY KEY (sharing_id, user_id)
);

-- 催学 about a tour's report (app/reminders target 'tour_report', target_id = the tour):
-- the confirmed participants who have not submitted it.
ALTER TABLE reminders DROP CONSTRAINT reminders_target_check;
ALTER TABLE reminders ADD CONSTRAINT reminders_target_check CHECK (target IN ('course','exam','class','tour_report'));
ALTER TABLE reminder_log DROP CONSTRAINT reminder_log_target_check;
ALTER TABLE reminder_log ADD CONSTRAINT reminder_log_target_check CHECK (target IN ('course','exam','class','tour_report'));

-- +goose Down
DELETE FROM reminder_log WHERE target = 'tour_report';
DELETE FROM reminders WHERE target = 'tour_report';
ALTER TABLE reminder_log DROP CONSTRAINT reminder_log_target_check;
ALTER TABLE reminder_log ADD CONSTRAINT reminder_log_target_check CHECK (target IN ('course','exam','class'));
ALTER TABLE reminders DROP CONSTRAINT reminders_target_check;
ALTER TABLE reminders ADD CONSTRAINT reminders_target_check CHECK (target IN ('course','exam','class'));
DROP TABLE tour_sharing_attendees;
DROP TABLE tour_sharing;
DROP TABLE tour_reports;
ALTER TABLE tours DROP COLUMN report_due;
ALTER TABLE tours DROP COLUMN course_id;
