-- +goose Up
-- Question bank. Options are a JSON array of texts (A, B, C… by position); answer is the
-- sorted string of correct keys ("AC"); a judge question has options ["对","错"].
CREATE TABLE questions (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('single','multiple','judge')),
    category    text NOT NULL DEFAULT '',
    tags        text[] NOT NULL DEFAULT '{}',
    difficulty  text NOT NULL DEFAULT '中' CHECK (difficulty IN ('易','中','难')),
    stem        text NOT NULL CHECK (btrim(stem) <> ''),
    options     jsonb NOT NULL DEFAULT '[]',
    answer      text NOT NULL CHECK (answer ~ '^[A-F]+$'),
    points      numeric(6,2) NOT NULL DEFAULT 1 CHECK (points > 0),
    explanation text NOT NULL DEFAULT '',
    retired     boolean NOT NULL DEFAULT false,
    source_key  text UNIQUE, -- stable key of seeded questions (idempotent demo load)
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX questions_pool_idx ON questions (kind, category) WHERE NOT retired;
CREATE INDEX questions_tags_idx ON questions USING gin (tags);

-- The bank's version: every change of questions bumps it, so each app instance knows
-- when its in-memory pools of question ids are stale.
CREATE TABLE question_bank_version (
    id      int PRIMARY KEY CHECK (id = 1),
    version bigint NOT NULL
);
INSERT INTO question_bank_version VALUES (1, 1);

-- +goose StatementBegin
CREATE FUNCTION bump_question_bank_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE question_bank_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER questions_bump_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON questions
    FOR EACH STATEMENT EXECUTE FUNCTION bump_question_bank_version();

-- An exam. rules is a JSON array of draw rules {"kind","category","tag","count","points"}.
CREATE TABLE exams (
    id                bigserial PRIMARY KEY,
    title             text NOT NULL CHECK (btrim(title) <> ''),
    description       text NOT NULL DEFAULT '',
    course_id         bigint REFERENCES courses(id) ON DELETE SET NULL,
    opens_at          timestamptz NOT NULL,
    closes_at         timestamptz NOT NULL,
    duration_minutes  int NOT NULL CHECK (duration_minutes BETWEEN 1 AND 600),
    pass_score        numeric(7,2) NOT NULL CHECK (pass_score >= 0),
    total_points      numeric(7,2) NOT NULL,
    attempts_allowed  int NOT NULL DEFAULT 2 CHECK (attempts_allowed BETWEEN 1 AND 20),
    shuffle_questions boolean NOT NULL DEFAULT true,
    shuffle_options   boolean NOT NULL DEFAULT true,
    multi_rule        text NOT NULL DEFAULT 'strict' CHECK (multi_rule IN ('strict','partial','half')),
    review_policy     text NOT NULL DEFAULT 'after_close' CHECK (review_policy IN ('after_close','immediate','score_only')),
    all_townships     boolean NOT NULL DEFAULT true,
    rules             jsonb NOT NULL,
    demo_key          text UNIQUE,
    created_by        bigint REFERENCES users(id),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (closes_at > opens_at)
);
CREATE INDEX exams_window_idx ON exams (closes_at);

CREATE TABLE exam_townships (
    exam_id     bigint NOT NULL REFERENCES exams(id) ON DELETE CASCADE,
    township_id bigint NOT NULL REFERENCES townships(id),
    PRIMARY KEY (exam_id, township_id)
);

-- One attempt: its own frozen paper (JSONB snapshot of every item with the correct
-- keys) and the answers saved so far ({"position":"AC"}).
CREATE TABLE attempts (
    id          bigserial PRIMARY KEY,
    exam_id     bigint NOT NULL REFERENCES exams(id),
    user_id     bigint NOT NULL REFERENCES users(id),
    township_id bigint REFERENCES townships(id),
    seq         int NOT NULL,
    status      text NOT NULL DEFAULT 'in_progress' CHECK (status IN ('in_progress','finished')),
    started_at  timestamptz NOT NULL DEFAULT now(),
    deadline    timestamptz NOT NULL,
    finished_at timestamptz,
    finish_reason text,
    paper       jsonb NOT NULL,
    shape       text NOT NULL, -- per position kind letter and option count, e.g. "s4m5j2"
    answers     jsonb NOT NULL DEFAULT '{}',
    score       numeric(7,2),
    max_score   numeric(7,2) NOT NULL,
    passed      boolean,
    UNIQUE (exam_id, user_id, seq)
);
-- Concurrent starts by the same person end in one attempt.
CREATE UNIQUE INDEX attempts_one_open_idx ON attempts (exam_id, user_id) WHERE status = 'in_progress';
CREATE INDEX attempts_open_deadline_idx ON attempts (deadline) WHERE status = 'in_progress';
CREATE INDEX attempts_user_idx ON attempts (user_id, exam_id);
CREATE INDEX attempts_exam_idx ON attempts (exam_id, township_id);

-- Per question result of finished attempts and practice, for 错题本 and item statistics.
CREATE TABLE question_results (
    id          bigserial PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users(id),
    question_id bigint NOT NULL REFERENCES questions(id),
    attempt_id  bigint REFERENCES attempts(id),
    correct     boolean NOT NULL,
    answer      text NOT NULL DEFAULT '',
    at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX question_results_user_idx ON question_results (user_id, question_id);
CREATE INDEX question_results_question_idx ON question_results (question_id) WHERE attempt_id IS NOT NULL;

-- Users who passed an exam linked to a course (for course completion).
CREATE VIEW exam_course_passes AS
    SELECT DISTINCT e.course_id, a.user_id
    FROM attempts a JOIN exams e ON e.id = a.exam_id
    WHERE e.course_id IS NOT NULL AND a.status = 'finished' AND a.passed;

-- +goose Down
DROP VIEW exam_course_passes;
DROP TABLE question_results;
DROP TABLE attempts;
DROP TABLE exam_townships;
DROP TABLE exams;
DROP TRIGGER questions_bump_version ON questions;
DROP FUNCTION bump_question_bank_version();
DROP TABLE question_bank_version;
DROP TABLE questions;
