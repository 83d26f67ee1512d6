package reports

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"zhibu/app/figures"
)

// examForTownship is true when the exam e is published (drafts are in no report) and is
// for the township $N, or $N is NULL (the county): which exams an organizer may see and
// download. The rule is the SQL function exam_for_township
// (migrations/00065_exam_for_township.sql), the same the exams' staff pages use.
func examForTownship(param string) string { return `exam_for_township(e.id, ` + param + `::bigint)` }

const examInfoColumns = `e.id, e.title, e.pass_score::float8 AS pass_score, e.total_points::float8 AS total_points, e.all_townships, e.opens_at, e.closes_at`

// examsOfYear lists the exams opening in the year that are for the report's township.
func examsOfYear(ctx context.Context, tx *sqlx.Tx, dst *[]ExamInfo, q Query) error {
	from, to := figures.YearBounds(q.Year)
	return tx.SelectContext(ctx, dst, `
		SELECT `+examInfoColumns+`
		FROM exams e
		WHERE e.opens_at >= $1 AND e.opens_at < $2 AND `+examForTownship("$3")+`
		ORDER BY e.opens_at, e.id`, from, to, q.Township)
}

// LoadExam reads one exam's results for a scope: its candidates in the scope (the view
// exam_candidates: active secretaries of the townships it is for, plus anyone who has an
// attempt) with their finished attempts, best score and pass. An exam that is not for
// the scope's township is ErrExamNotFound. Locks: none (read-only snapshot).
func (s *Store) LoadExam(ctx context.Context, examID int64, township sql.NullInt64, now time.Time) (*ExamReport, error) {
	r := &ExamReport{Generated: now}
	err := s.snapshot(ctx, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &r.Exam, `SELECT `+examInfoColumns+` FROM exams e WHERE e.id = $1 AND `+examForTownship("$2"),
			examID, township)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrExamNotFound
		}
		if err != nil {
			return err
		}
		return figures.EachRow(ctx, tx, func(rows *sql.Rows) error {
			var c Candidate
			c.Full = r.Exam.TotalPoints
			if err := rows.Scan(&c.TownshipID, &c.Township, &c.Branch, &c.Name, &c.Phone, &c.Finished, &c.Best, &c.Passed,
				&c.InProgress, &c.LastAt); err != nil {
				return err
			}
			r.Candidates = append(r.Candidates, c)
			return nil
		}, `
			SELECT t.id, t.name, b.name, u.name, COALESCE(u.phone, ''), `+figures.FinishedAttempts+`,
			       COALESCE(bool_or(a.status = 'in_progress'), false),
			       max(a.finished_at)
			FROM exam_candidates ec
			JOIN users u ON u.id = ec.user_id
			JOIN branches b ON b.id = u.branch_id
			JOIN townships t ON t.id = u.township_id
			LEFT JOIN attempts a ON a.exam_id = ec.exam_id AND a.user_id = ec.user_id
			WHERE ec.exam_id = $1 AND ($2::bigint IS NULL OR ec.township_id = $2)
			GROUP BY t.sort, t.id, t.name, b.name, u.id
			ORDER BY t.sort, t.id, b.name, u.name, u.id`, examID, township)
	})
	if err != nil {
		return nil, err
	}
	r.summarize()
	return r, nil
}
