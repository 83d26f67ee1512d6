-- +goose Up
-- Courses: a catalogue of 理论/实务 courses with ordered Markdown lessons.
CREATE TABLE courses (
    id           bigserial PRIMARY KEY,
    title        text NOT NULL UNIQUE CHECK (btrim(title) <> ''),
    category     text NOT NULL CHECK (category IN ('理论','实务')),
    topic        text NOT NULL DEFAULT '',
    summary      text NOT NULL DEFAULT '',
    -- Declared credit (学时); 0 means "derive it from the lessons' minimum times" (see courses.CreditHours).
    credit_hours numeric(6,2) NOT NULL DEFAULT 0 CHECK (credit_hours >= 0 AND credit_hours <= 200),
    published    boolean NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE lessons (
    id          bigserial PRIMARY KEY,
    course_id   bigint NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    position    integer NOT NULL,
    title       text NOT NULL CHECK (btrim(title) <> ''),
    body_md     text NOT NULL DEFAULT '',
    video_url   text NOT NULL DEFAULT '',
    min_seconds integer NOT NULL DEFAULT 300 CHECK (min_seconds >= 0 AND min_seconds <= 36000),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (course_id, position) DEFERRABLE INITIALLY DEFERRED
);

-- PDFs live in the database so that one pg_dump backs everything up.
CREATE TABLE lesson_attachments (
    id         bigserial PRIMARY KEY,
    lesson_id  bigint NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
    filename   text NOT NULL,
    size       bigint NOT NULL,
    data       bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lesson_attachments_lesson_idx ON lesson_attachments (lesson_id);

-- The yearly 学时 target and conversion are policy, not code.
CREATE TABLE course_years (
    year             integer PRIMARY KEY CHECK (year BETWEEN 2000 AND 2100),
    target_hours     numeric(6,2) NOT NULL CHECK (target_hours > 0),
    minutes_per_hour integer NOT NULL DEFAULT 45 CHECK (minutes_per_hour BETWEEN 1 AND 600),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- 必修 for a year: to everybody, to chosen townships or to chosen branch kinds.
CREATE TABLE course_assignments (
    id           bigserial PRIMARY KEY,
    course_id    bigint NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    year         integer NOT NULL CHECK (year BETWEEN 2000 AND 2100),
    scope        text NOT NULL CHECK (scope IN ('all','townships','kinds')),
    township_ids bigint[] NOT NULL DEFAULT '{}',
    branch_kinds text[] NOT NULL DEFAULT '{}',
    due_date     date NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX course_assignments_year_idx ON course_assignments (year, course_id);

CREATE TABLE lesson_progress (
    user_id      bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    lesson_id    bigint NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
    seconds      integer NOT NULL DEFAULT 0,
    reached_end  boolean NOT NULL DEFAULT false,
    completed_at timestamptz,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, lesson_id)
);
CREATE INDEX lesson_progress_lesson_idx ON lesson_progress (lesson_id);

CREATE TABLE course_progress (
    user_id        bigint NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    course_id      bigint NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    last_lesson_id bigint REFERENCES lessons(id) ON DELETE SET NULL,
    started_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    completed_at   timestamptz,
    -- 学时 credited when the course completed (frozen: later policy changes do not rewrite history).
    hours_earned   numeric(6,2) NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, course_id)
);
CREATE INDEX course_progress_course_idx ON course_progress (course_id);
CREATE INDEX course_progress_user_done_idx ON course_progress (user_id, completed_at);

-- One row per user: the lesson being studied and its last heartbeat. Only this lesson
-- earns time, so two tabs never count two lessons at once.
CREATE TABLE study_beats (
    user_id      bigint PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
    lesson_id    bigint NOT NULL REFERENCES lessons(id) ON DELETE CASCADE,
    last_beat_at timestamptz NOT NULL
);

-- +goose Down
DROP TABLE study_beats;
DROP TABLE course_progress;
DROP TABLE lesson_progress;
DROP TABLE course_assignments;
DROP TABLE course_years;
DROP TABLE lesson_attachments;
DROP TABLE lessons;
DROP TABLE courses;
