-- +goose Up
-- The question bank's natural key, so that importing the same bank file twice updates its
-- questions instead of adding them again (exams/store_import.go). question_key is the one
-- definition: the kind and the stem trimmed, whitespace collapsed, full-width ASCII
-- (letters, digits, punctuation, the ideographic space) and the Chinese 。、“”‘’【】
-- written half-width. Only SQL computes it: the import asks the database for each row's
-- key and the question holding it.
CREATE FUNCTION question_key(kind text, stem text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURN
    kind || ':' || btrim(regexp_replace(translate(stem,
        '！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～　。、“”‘’【】',
        '!"#$%&''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~ .,""''''[]'), '\s+', ' ', 'g'));

-- stem_key holds the key for at most one question. A bank deployed before this migration
-- may hold duplicates (the same file imported twice): the oldest question of each key gets
-- it and later duplicates keep NULL, so the unique index is built without failing and the
-- import updates the oldest; the duplicates stay as they were (an admin can retire them).
ALTER TABLE questions ADD COLUMN stem_key text;
UPDATE questions q SET stem_key = k.key
FROM (SELECT DISTINCT ON (question_key(kind, stem)) id, question_key(kind, stem) AS key
      FROM questions ORDER BY question_key(kind, stem), id) k
WHERE q.id = k.id;
CREATE UNIQUE INDEX questions_stem_key_idx ON questions (stem_key);

-- A question written by any path (the form, the demo, the import) takes its key unless
-- another question holds it already: a duplicate typed into the form is allowed as
-- before and simply has no key.
-- +goose StatementBegin
CREATE FUNCTION questions_set_stem_key() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE k text := question_key(NEW.kind, NEW.stem);
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.stem_key IS NOT DISTINCT FROM k THEN
        RETURN NEW;
    END IF;
    NEW.stem_key := CASE WHEN EXISTS (SELECT 1 FROM questions WHERE stem_key = k AND id <> NEW.id) THEN NULL ELSE k END;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER questions_stem_key BEFORE INSERT OR UPDATE OF kind, stem ON questions
    FOR EACH ROW EXECUTE FUNCTION questions_set_stem_key();

-- +goose Down
DROP TRIGGER questions_stem_key ON questions;
DROP FUNCTION questions_set_stem_key();
DROP INDEX questions_stem_key_idx;
ALTER TABLE questions DROP COLUMN stem_key;
DROP FUNCTION question_key(text, text);
