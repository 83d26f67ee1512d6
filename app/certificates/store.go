package certificates

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base32"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/hours"
	"zhibu/app/web"
)

// Store holds all SQL of the certificates. It reads other features' tables read-only,
// with their own definitions: class_participants.completed (app/classes, set at 结班),
// zhibu_required_courses_left (courses), attempts.passed (exams) and the 学时 ledger
// hour_credits (app/hours).
//
// Lock order of issuing: the programme row (FOR SHARE; an edit of the programme takes it
// FOR UPDATE), then the issue year's certificate_serials row (FOR UPDATE), then the new
// certificates rows. Revoking locks only the certificate row.
type Store struct {
	db  *sqlx.DB
	now func() time.Time
}

// NewStore returns a store on db; now nil means time.Now.
func NewStore(db *sqlx.DB, now func() time.Time) *Store {
	if now == nil {
		now = time.Now
	}
	return &Store{db: db, now: now}
}

// Programme is what earns a certificate, with how many were issued and revoked.
type Programme struct {
	ID         int64     `db:"id" json:"id"`
	Title      string    `db:"title" json:"title"`
	Kind       string    `db:"kind" json:"kind"`
	ClassID    *int64    `db:"class_id" json:"class_id,omitempty"`
	ClassTitle string    `db:"class_title" json:"class_title,omitempty"`
	Year       *int      `db:"year" json:"year,omitempty"`
	ExamID     *int64    `db:"exam_id" json:"exam_id,omitempty"`
	ExamTitle  string    `db:"exam_title" json:"exam_title,omitempty"`
	Active     bool      `db:"active" json:"active"`
	CreatedAt  time.Time `db:"created_at" json:"created_at"`
	Issued     int       `db:"issued" json:"issued"`
	Revoked    int       `db:"revoked" json:"revoked"`
}

// KindLabel is the programme's kind in Chinese.
func (p Programme) KindLabel() string { return KindLabel(p.Kind) }

// Rule is what the programme asks for, in Chinese.
func (p Programme) Rule() string {
	if p.Kind == KindClass {
		return "「" + p.ClassTitle + "」结班时结业"
	}
	y := ""
	if p.Year != nil {
		y = strconv.Itoa(*p.Year)
	}
	exam := "当年任一考试通过"
	if p.ExamID != nil {
		exam = "「" + p.ExamTitle + "」考试通过"
	}
	return y + " 年全部必修课程完成，且" + exam
}

const programmeCols = `p.id, p.title, p.kind, p.class_id, COALESCE(cl.title, '') AS class_title, p.year, p.exam_id,
	COALESCE(e.title, '') AS exam_title, p.active, p.created_at,
	(SELECT count(*) FROM certificates c WHERE c.programme_id = p.id) AS issued,
	(SELECT count(*) FROM certificates c WHERE c.programme_id = p.id AND c.revoked_at IS NOT NULL) AS revoked`

const programmeFrom = ` FROM certificate_programmes p LEFT JOIN classes cl ON cl.id = p.class_id LEFT JOIN exams e ON e.id = p.exam_id`

// Certificate is one issued certificate with the snapshot taken at issue.
type Certificate struct {
	ID           int64      `db:"id" json:"id"`
	ProgrammeID  int64      `db:"programme_id" json:"programme_id"`
	Programme    string     `db:"programme" json:"programme"`
	UserID       int64      `db:"user_id" json:"user_id"`
	Serial       string     `db:"serial" json:"serial"`
	Code         string     `db:"code" json:"-"`
	Name         string     `db:"name" json:"name"`
	Branch       string     `db:"branch" json:"branch"`
	Township     string     `db:"township" json:"township"`
	Hours        float64    `db:"hours" json:"hours"`
	IssuedOn     string     `db:"issued_on" json:"issued_on"`
	RevokedAt    *time.Time `db:"revoked_at" json:"revoked_at,omitempty"`
	RevokeReason string     `db:"revoke_reason" json:"revoke_reason,omitempty"`
	VerifyURL    string     `db:"-" json:"verify_url,omitempty"`
}

// Valid tells whether the certificate stands (not revoked).
func (c Certificate) Valid() bool { return c.RevokedAt == nil }

const certCols = `c.id, c.programme_id, p.title AS programme, c.user_id, c.serial, c.code, c.name, c.branch, c.township,
	c.hours::float8 AS hours, to_char(c.issued_on, 'YYYY-MM-DD') AS issued_on, c.revoked_at, c.revoke_reason`

const certFrom = ` FROM certificates c JOIN certificate_programmes p ON p.id = c.programme_id`

// Verification is what the public verification shows: nothing else, never a phone number.
type Verification struct {
	Name          string `db:"name" json:"name"`
	Programme     string `db:"programme" json:"programme"`
	IssuedOn      string `db:"issued_on" json:"issued_on"`
	Valid         bool   `db:"valid" json:"valid"`
	RevokedReason string `db:"revoked_reason" json:"revoked_reason"`
	Issuer        string `db:"-" json:"issuer"` // the issuing body (Deps.IssuerName), set by the handler
}

// Programmes lists every programme, active first, newest first. Locks: none.
func (s *Store) Programmes(ctx context.Context) ([]Programme, error) {
	out := []Programme{}
	err := s.db.SelectContext(ctx, &out, `SELECT `+programmeCols+programmeFrom+` ORDER BY p.active DESC, p.id DESC`)
	return out, err
}

// Programme is one programme. Locks: none.
func (s *Store) Programme(ctx context.Context, id int64) (Programme, error) {
	return getProgramme(ctx, s.db, id, "")
}

func getProgramme(ctx context.Context, q sqlx.QueryerContext, id int64, lock string) (Programme, error) {
	var p Programme
	query := `SELECT ` + programmeCols + programmeFrom + ` WHERE p.id = $1`
	if lock != "" {
		// The programme row alone is locked (a plain SELECT … FOR x would lock the joined rows too).
		query = `SELECT ` + programmeCols + programmeFrom + ` WHERE p.id = (SELECT id FROM certificate_programmes WHERE id = $1 ` + lock + `)`
	}
	err := sqlx.GetContext(ctx, q, &p, query, id)
	if errors.Is(err, sql.ErrNoRows) {
		return p, ErrProgrammeNotFound
	}
	return p, err
}

// Choice is a class or exam the programme form offers.
type Choice struct {
	ID    int64  `db:"id"`
	Title string `db:"title"`
}

// Choices are the classes and exams a programme may name, newest first. Locks: none.
func (s *Store) Choices(ctx context.Context) (classes, exams []Choice, err error) {
	if err = s.db.SelectContext(ctx, &classes, `SELECT id, title FROM classes ORDER BY id DESC LIMIT 300`); err != nil {
		return nil, nil, err
	}
	err = s.db.SelectContext(ctx, &exams, `SELECT id, title FROM exams ORDER BY id DESC LIMIT 300`)
	return classes, exams, err
}

// checkRefs refuses a class or exam that does not exist (422 naming the field).
func checkRefs(ctx context.Context, tx *sqlx.Tx, in ProgrammeInput) error {
	var ok bool
	if in.ClassID != 0 {
		if err := tx.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM classes WHERE id = $1)`, in.ClassID); err != nil {
			return err
		}
		if !ok {
			return ErrClassNotFound
		}
	}
	if in.ExamID != 0 {
		if err := tx.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM exams WHERE id = $1)`, in.ExamID); err != nil {
			return err
		}
		if !ok {
			return ErrExamNotFound
		}
	}
	return nil
}

// classTaken maps the one-programme-per-class index's violation.
func classTaken(err error) error {
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == "23505" && pe.Constraint == "certificate_programmes_class_uq" {
		return ErrClassTaken
	}
	return err
}

// CreateProgramme adds a programme. Locks: none (the class's unique index decides races).
func (s *Store) CreateProgramme(ctx context.Context, me *web.Identity, in ProgrammeInput) (Programme, error) {
	if fe := in.Validate(); fe != nil {
		return Programme{}, web.Invalidf(firstMessage(fe), fe)
	}
	var id int64
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if err := checkRefs(ctx, tx, in); err != nil {
			return err
		}
		return classTaken(tx.GetContext(ctx, &id, `INSERT INTO certificate_programmes (title, kind, class_id, year, exam_id, active, created_by)
			VALUES ($1, $2, NULLIF($3, 0::bigint), NULLIF($4, 0), NULLIF($5, 0::bigint), $6, $7) RETURNING id`,
			in.Title, in.Kind, in.ClassID, in.Year, in.ExamID, in.IsActive(), me.UserID))
	})
	if err != nil {
		return Programme{}, err
	}
	return s.Programme(ctx, id)
}

// UpdateProgramme changes a programme; once certificates were issued its rule (kind,
// class, year, exam) stays, only the title and the switch change. Locks: the programme
// row FOR UPDATE (issuing waits).
func (s *Store) UpdateProgramme(ctx context.Context, id int64, in ProgrammeInput) (Programme, error) {
	if fe := in.Validate(); fe != nil {
		return Programme{}, web.Invalidf(firstMessage(fe), fe)
	}
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		p, err := getProgramme(ctx, tx, id, "FOR UPDATE")
		if err != nil {
			return err
		}
		same := p.Kind == in.Kind && val(p.ClassID) == in.ClassID && int64(valInt(p.Year)) == int64(in.Year) && val(p.ExamID) == in.ExamID
		if p.Issued > 0 && !same {
			return ErrProgrammeInUse
		}
		if err := checkRefs(ctx, tx, in); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE certificate_programmes SET title = $2, kind = $3, class_id = NULLIF($4, 0::bigint),
			year = NULLIF($5, 0), exam_id = NULLIF($6, 0::bigint), active = $7, updated_at = now() WHERE id = $1`,
			id, in.Title, in.Kind, in.ClassID, in.Year, in.ExamID, in.IsActive())
		return classTaken(err)
	})
	if err != nil {
		return Programme{}, err
	}
	return s.Programme(ctx, id)
}

// factsSQL reads, for the active secretaries of $2 (NULL: all) without the programme's
// certificate yet, the facts Qualifies decides on, with the other features' own
// definitions, and the 学时 the certificate shows: a class's entry in the ledger, or the
// year's total (entries not revoked, app/hours).
const factsSQL = `
SELECT u.id AS user_id,
	(cp.user_id IS NOT NULL) AS participant,
	COALESCE(cp.completed, false) AS completed,
	CASE WHEN p.kind = 'year' THEN zhibu_required_courses_left(u.id, p.year) ELSE 0 END AS courses_left,
	CASE WHEN p.kind = 'year' THEN EXISTS (
		SELECT 1 FROM attempts a WHERE a.user_id = u.id AND a.status = 'finished' AND a.passed
		AND CASE WHEN p.exam_id IS NOT NULL THEN a.exam_id = p.exam_id
		         ELSE extract(year FROM a.finished_at AT TIME ZONE 'Asia/Shanghai') = p.year END)
	ELSE false END AS exam_passed,
	COALESCE((SELECT sum(h.hours) FROM hour_credits h WHERE h.user_id = u.id AND h.revoked_at IS NULL
		AND CASE WHEN p.kind = 'year' THEN h.year = p.year ELSE h.source = $3 AND h.source_id = p.class_id END), 0)::float8 AS hours
FROM certificate_programmes p
JOIN users u ON u.role = 'secretary' AND u.active
LEFT JOIN class_participants cp ON p.kind = 'class' AND cp.class_id = p.class_id AND cp.user_id = u.id
WHERE p.id = $1 AND ($2::bigint[] IS NULL OR u.id = ANY($2))
  AND (p.kind <> 'class' OR cp.user_id IS NOT NULL)
  AND NOT EXISTS (SELECT 1 FROM certificates c WHERE c.programme_id = p.id AND c.user_id = u.id)
ORDER BY u.id`

type factRow struct {
	UserID int64   `db:"user_id"`
	Hours  float64 `db:"hours"`
	Facts
}

// facts reads factsSQL's rows.
func facts(ctx context.Context, q sqlx.QueryerContext, programmeID int64, userIDs []int64) ([]factRow, error) {
	var rows []struct {
		UserID      int64   `db:"user_id"`
		Participant bool    `db:"participant"`
		Completed   bool    `db:"completed"`
		CoursesLeft int     `db:"courses_left"`
		ExamPassed  bool    `db:"exam_passed"`
		Hours       float64 `db:"hours"`
	}
	var ids any
	if userIDs != nil {
		ids = pq.Array(userIDs)
	}
	if err := sqlx.SelectContext(ctx, q, &rows, factsSQL, programmeID, ids, string(hours.SourceClass)); err != nil {
		return nil, err
	}
	out := make([]factRow, len(rows))
	for i, r := range rows {
		out[i] = factRow{UserID: r.UserID, Hours: r.Hours,
			Facts: Facts{Participant: r.Participant, Completed: r.Completed, CoursesLeft: r.CoursesLeft, ExamPassed: r.ExamPassed}}
	}
	return out, nil
}

// Issue issues the programme's certificate to those of userIDs (nil: everyone) who
// qualify (Qualifies) and have none yet, all in one set-based insert, and returns how
// many were issued. Concurrent calls for the same people issue each certificate once:
// the issuers wait for each other on the year's serial counter and the unique
// (programme_id, user_id) stops any other writer. Locks: see Store.
func (s *Store) Issue(ctx context.Context, programmeID int64, userIDs []int64) (int, error) {
	if userIDs != nil && len(userIDs) == 0 {
		return 0, nil
	}
	issued := 0
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		p, err := getProgramme(ctx, tx, programmeID, "FOR SHARE")
		if err != nil {
			return err
		}
		if !p.Active {
			return ErrProgrammeInactive
		}
		rows, err := facts(ctx, tx, programmeID, userIDs)
		if err != nil {
			return err
		}
		hoursOf := map[int64]float64{}
		var want []int64
		for _, r := range rows {
			if ok, _ := Qualifies(p.Kind, r.Facts); ok {
				want = append(want, r.UserID)
				hoursOf[r.UserID] = r.Hours
			}
		}
		if len(want) == 0 {
			return nil
		}
		now := s.now()
		day := DayOf(now)
		year := day.Year()
		if _, err := tx.ExecContext(ctx, `INSERT INTO certificate_serials (year) VALUES ($1) ON CONFLICT DO NOTHING`, year); err != nil {
			return err
		}
		var last int
		if err := tx.GetContext(ctx, &last, `SELECT last FROM certificate_serials WHERE year = $1 FOR UPDATE`, year); err != nil {
			return err
		}
		// After the wait: who still has none (another issuer may have committed meanwhile).
		var left []int64
		if err := tx.SelectContext(ctx, &left, `SELECT x FROM unnest($2::bigint[]) AS x
			WHERE NOT EXISTS (SELECT 1 FROM certificates c WHERE c.programme_id = $1 AND c.user_id = x) ORDER BY x`,
			programmeID, pq.Array(want)); err != nil {
			return err
		}
		if len(left) == 0 {
			return nil
		}
		serials, codes, hrs := make([]string, len(left)), make([]string, len(left)), make([]float64, len(left))
		for i, uid := range left {
			serials[i] = FormatSerial(year, last+i+1)
			if codes[i], err = NewCode(); err != nil {
				return err
			}
			hrs[i] = hoursOf[uid]
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO certificates (programme_id, user_id, serial, code, name, branch, township, hours, issued_on, issued_at)
			SELECT $1, u.id, x.serial, x.code, u.name, COALESCE(b.name, ''), COALESCE(t.name, ''), x.hours, $6::date, $7
			FROM unnest($2::bigint[], $3::text[], $4::text[], $5::float8[]) AS x(user_id, serial, code, hours)
			JOIN users u ON u.id = x.user_id
			LEFT JOIN branches b ON b.id = u.branch_id
			LEFT JOIN townships t ON t.id = u.township_id
			ON CONFLICT DO NOTHING`,
			programmeID, pq.Array(left), pq.Array(serials), pq.Array(codes), pq.Array(hrs), day.Format(time.DateOnly), now)
		if err != nil {
			return err
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		issued = int(n)
		_, err = tx.ExecContext(ctx, `UPDATE certificate_serials SET last = $2 WHERE year = $1`, year, last+len(left))
		return err
	})
	return issued, err
}

// IssueForUser issues every active programme's certificate the user qualifies for (the
// triggers: an exam passed, the user opening 我的证书). Locks: as Issue, per programme.
func (s *Store) IssueForUser(ctx context.Context, userID int64) (int, error) {
	var ids []int64
	if err := s.db.SelectContext(ctx, &ids, `SELECT p.id FROM certificate_programmes p WHERE p.active
		AND NOT EXISTS (SELECT 1 FROM certificates c WHERE c.programme_id = p.id AND c.user_id = $1)
		AND (p.kind = 'year' OR EXISTS (SELECT 1 FROM class_participants cp WHERE cp.class_id = p.class_id AND cp.user_id = $1 AND cp.completed))
		ORDER BY p.id`, userID); err != nil {
		return 0, err
	}
	total := 0
	for _, id := range ids {
		n, err := s.Issue(ctx, id, []int64{userID})
		if errors.Is(err, ErrProgrammeInactive) || errors.Is(err, ErrProgrammeNotFound) {
			continue // switched off meanwhile
		}
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// IssueForClass issues the certificates of the class's active programme to everyone who
// completed it (the trigger after 结班). Locks: as Issue.
func (s *Store) IssueForClass(ctx context.Context, classID int64) (int, error) {
	var ids []int64
	if err := s.db.SelectContext(ctx, &ids, `SELECT id FROM certificate_programmes WHERE active AND class_id = $1`, classID); err != nil {
		return 0, err
	}
	total := 0
	for _, id := range ids {
		n, err := s.Issue(ctx, id, nil)
		if errors.Is(err, ErrProgrammeInactive) || errors.Is(err, ErrProgrammeNotFound) {
			continue
		}
		if err != nil {
			return total, err
		}
		total += n
	}
	return total, nil
}

// IssueForUser is Store.IssueForUser on db (exams' OnPassed, wired in app/features.go).
func IssueForUser(ctx context.Context, db *sqlx.DB, userID int64) error {
	_, err := NewStore(db, nil).IssueForUser(ctx, userID)
	return err
}

// IssueForClass is Store.IssueForClass on db (classes' OnClosed, wired in app/features.go).
func IssueForClass(ctx context.Context, db *sqlx.DB, classID int64) error {
	_, err := NewStore(db, nil).IssueForClass(ctx, classID)
	return err
}

// Pending is an active programme the user has no certificate of yet, with what is missing.
type Pending struct {
	Programme Programme
	Missing   []string
}

// Pending lists the active programmes the user may still earn (a class's programme only
// for its participants), with what is missing. Locks: none.
func (s *Store) Pending(ctx context.Context, userID int64) ([]Pending, error) {
	var list []Programme
	if err := s.db.SelectContext(ctx, &list, `SELECT `+programmeCols+programmeFrom+` WHERE p.active
		AND NOT EXISTS (SELECT 1 FROM certificates c WHERE c.programme_id = p.id AND c.user_id = $1)
		ORDER BY p.id DESC LIMIT 20`, userID); err != nil {
		return nil, err
	}
	out := []Pending{}
	for _, p := range list {
		rows, err := facts(ctx, s.db, p.ID, []int64{userID})
		if err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			continue // not a participant, or not a secretary
		}
		_, missing := Qualifies(p.Kind, rows[0].Facts)
		out = append(out, Pending{Programme: p, Missing: missing})
	}
	return out, nil
}

// Mine lists the user's certificates, newest first. Locks: none.
func (s *Store) Mine(ctx context.Context, userID int64) ([]Certificate, error) {
	out := []Certificate{}
	err := s.db.SelectContext(ctx, &out, `SELECT `+certCols+certFrom+` WHERE c.user_id = $1 ORDER BY c.issued_at DESC, c.id DESC`, userID)
	return out, err
}

// Certificate is one certificate; ownerID not 0 limits it to the owner's (another's is
// not found). Locks: none.
func (s *Store) Certificate(ctx context.Context, ownerID, id int64) (Certificate, error) {
	var c Certificate
	err := s.db.GetContext(ctx, &c, `SELECT `+certCols+certFrom+` WHERE c.id = $1 AND ($2 = 0 OR c.user_id = $2)`, id, ownerID)
	if errors.Is(err, sql.ErrNoRows) {
		return c, ErrCertificateNotFound
	}
	return c, err
}

// Filter selects the staff list's certificates: a name or serial (part of it), a
// programme (0: all), and the page.
type Filter struct {
	Query       string
	ProgrammeID int64
	Page        int
}

// List is one page of the issued certificates, newest first, with how many match.
// Locks: none.
func (s *Store) List(ctx context.Context, f Filter) ([]Certificate, int, error) {
	if f.Page < 1 {
		f.Page = 1
	}
	pattern := "%" + likeEscape(strings.TrimSpace(f.Query)) + "%"
	where := ` WHERE ($1 = '%%' OR c.name ILIKE $1 OR c.serial ILIKE $1) AND ($2 = 0 OR c.programme_id = $2)`
	var total int
	if err := s.db.GetContext(ctx, &total, `SELECT count(*) FROM certificates c`+where, pattern, f.ProgrammeID); err != nil {
		return nil, 0, err
	}
	out := []Certificate{}
	err := s.db.SelectContext(ctx, &out, `SELECT `+certCols+certFrom+where+` ORDER BY c.issued_at DESC, c.id DESC LIMIT $3 OFFSET $4`,
		pattern, f.ProgrammeID, web.PageSize, (f.Page-1)*web.PageSize)
	return out, total, err
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Revoke revokes a certificate with a reason; its verification then says 已撤销. Locks:
// the certificate row.
func (s *Store) Revoke(ctx context.Context, me *web.Identity, id int64, in RevokeInput) (Certificate, error) {
	if fe := in.Validate(); fe != nil {
		return Certificate{}, web.Invalidf(firstMessage(fe), fe)
	}
	res, err := s.db.ExecContext(ctx, `UPDATE certificates SET revoked_at = $2, revoke_reason = $3, revoked_by = $4
		WHERE id = $1 AND revoked_at IS NULL`, id, s.now(), in.Reason, me.UserID)
	if err != nil {
		return Certificate{}, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return Certificate{}, err
	} else if n == 0 {
		if _, err := s.Certificate(ctx, 0, id); err != nil {
			return Certificate{}, err
		}
		return Certificate{}, ErrAlreadyRevoked
	}
	return s.Certificate(ctx, 0, id)
}

// Verify is the public view of the certificate with the code; a code of the wrong shape
// or unknown is ErrCertificateNotFound. Locks: none.
func (s *Store) Verify(ctx context.Context, code string) (Verification, error) {
	var v Verification
	if !ValidCode(code) {
		return v, ErrCertificateNotFound
	}
	err := s.db.GetContext(ctx, &v, `SELECT c.name, p.title AS programme, to_char(c.issued_on, 'YYYY-MM-DD') AS issued_on,
		c.revoked_at IS NULL AS valid, c.revoke_reason AS revoked_reason`+certFrom+` WHERE c.code = $1`, code)
	if errors.Is(err, sql.ErrNoRows) {
		return v, ErrCertificateNotFound
	}
	return v, err
}

// Hit counts one verification of the client address in the window and returns the
// window's count so far: one atomic upsert, so parallel requests never undercount. The
// first hit of a window clears windows older than ten minutes. Locks: the counter row.
func (s *Store) Hit(ctx context.Context, ip string, window time.Time) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, `INSERT INTO certificate_verify_hits AS h (ip, window_start, hits) VALUES ($1, $2, 1)
		ON CONFLICT (ip, window_start) DO UPDATE SET hits = h.hits + 1 RETURNING h.hits`, ip, window); err != nil {
		return 0, err
	}
	if n == 1 {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM certificate_verify_hits WHERE window_start < $1`,
			window.Add(-10*time.Minute)); err != nil {
			return n, err
		}
	}
	return n, nil
}

// NewCode is a fresh verification code: 20 bytes from crypto/rand in lowercase base32.
func NewCode() (string, error) {
	b := make([]byte, 20)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b)), nil
}

func (s *Store) inTx(ctx context.Context, fn func(*sqlx.Tx) error) error {
	tx, err := s.db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

func val(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func valInt(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}
