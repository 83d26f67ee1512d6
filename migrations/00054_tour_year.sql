-- +goose Up
-- A tour's year: whose 必修 courses a tour with require_courses asks for. A tour signed up
-- for in one year for a trip the next asks for the year people sign up in (the next year
-- has no courses assigned yet), so existing tours take the year, China time, their sign-up
-- opens; a new tour names it or gets the same default (tours.DefaultYear).
ALTER TABLE tours ADD COLUMN year integer;
UPDATE tours SET year = extract(year FROM signup_opens_at AT TIME ZONE 'Asia/Shanghai')::integer;
ALTER TABLE tours ALTER COLUMN year SET NOT NULL,
    ADD CONSTRAINT tours_year_check CHECK (year BETWEEN 2000 AND 2100);

-- +goose Down
ALTER TABLE tours DROP COLUMN year;
