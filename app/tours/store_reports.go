package tours

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"zhibu/app/seats"
	"zhibu/app/web"
)

// Study tours that close the loop: the pre-reading course, the participants' reports
// (学习报告 / 发展思路) and their review, the township sharing sessions.
//
// Locking: every change of a report takes, in this order, the tour row FOR SHARE (a
// change of the tour's settings — its deadline, 学时, year — holds it FOR UPDATE and so
// waits), the person's sign-up row (FOR UPDATE when submitting, FOR SHARE when
// reviewing), the report row FOR UPDATE, then the person's ledger entry of the tour. Two
// reviews of one report at once therefore run one after the other: the second sees the
// first's decision and is refused, and the ledger is credited once (hours.Write is keyed
// by (source, source_id, user_id) as well). Sign-up changes take the tour FOR SHARE, the
// quota, then the sign-up row: the same order, no cycle.

// CourseRef is a course a tour may link as pre-reading.
type CourseRef struct {
	ID    int64  `json:"id"`
	Title string `json:"title"`
	URL   string `json:"url"`
}

// CourseList lists the published courses (the courses feature owns them; Deps.Courses).
type CourseList func(ctx context.Context) ([]CourseRef, error)

// courseList returns the courses a tour may link (none without Deps.Courses).
func (s *Store) courseList(ctx context.Context) ([]CourseRef, error) {
	if s.courses == nil {
		return nil, nil
	}
	return s.courses(ctx)
}

// course returns the pre-reading course of id (nil: none, or no longer published).
func (s *Store) course(ctx context.Context, id *int64) (*CourseRef, error) {
	if id == nil {
		return nil, nil
	}
	list, err := s.courseList(ctx)
	if err != nil {
		return nil, err
	}
	for _, c := range list {
		if c.ID == *id {
			return &c, nil
		}
	}
	return nil, nil
}

// checkCourse adds a form error when the input names a course that is not a published
// one (a tour keeps a linked course that was unpublished later: it only stops showing).
func (s *Store) checkCourse(ctx context.Context, in *TourInput, current *int64) error {
	if in.CourseID <= 0 || current != nil && *current == in.CourseID {
		return nil
	}
	c, err := s.course(ctx, &in.CourseID)
	if err != nil || c != nil {
		return err
	}
	if in.formErrors == nil {
		in.formErrors = web.FieldErrors{}
	}
	in.formErrors["course_id"] = "请选择已发布的课程"
	return nil
}

// courseID is the tour's pre-reading course id (0: none), as the form holds it.
func (t Tour) courseID() int64 {
	if t.CourseID == nil {
		return 0
	}
	return *t.CourseID
}

// ReportDueText is the report deadline as YYYY-MM-DD ("" : no report asked).
func (t Tour) ReportDueText() string {
	if t.ReportDue == nil {
		return ""
	}
	return t.ReportDue.Format(web.DateLayout)
}

// ReportAsked tells whether the tour asks its participants for a report.
func (t Tour) ReportAsked() bool { return t.ReportDue != nil }

// Report is one participant's report.
type Report struct {
	ID          int64      `db:"id" json:"id"`
	TourID      int64      `db:"tour_id" json:"tour_id"`
	UserID      int64      `db:"user_id" json:"user_id"`
	Name        string     `db:"name" json:"name"`
	Branch      string     `db:"branch" json:"branch"`
	TownshipID  int64      `db:"township_id" json:"township_id"`
	Township    string     `db:"township" json:"township"`
	Status      string     `db:"status" json:"status"`
	Body        string     `db:"body" json:"body"`
	PDFName     *string    `db:"pdf_name" json:"pdf_name"`
	PDFSize     int        `db:"pdf_size" json:"pdf_size,omitempty"`
	Comment     string     `db:"comment" json:"comment"`
	SubmittedAt time.Time  `db:"submitted_at" json:"submitted_at"`
	ReviewedAt  *time.Time `db:"reviewed_at" json:"reviewed_at"`
	Reviewer    string     `db:"reviewer" json:"reviewer,omitempty"`
}

// StatusName is the report's status in Chinese.
func (r Report) StatusName() string { return ReportStatusName(r.Status) }

// HasPDF tells whether a PDF is attached.
func (r Report) HasPDF() bool { return r.PDFName != nil }

const reportCols = `r.id, r.tour_id, r.user_id, u.name, COALESCE(b.name, '') AS branch, COALESCE(s.township_id, u.township_id, 0) AS township_id,
	COALESCE(tw.name, '') AS township, r.status, r.body, r.pdf_name, COALESCE(octet_length(r.pdf), 0) AS pdf_size, r.comment,
	r.submitted_at, r.reviewed_at, COALESCE(rv.name, '') AS reviewer`

const reportFrom = ` FROM tour_reports r JOIN users u ON u.id = r.user_id
	LEFT JOIN tour_signups s ON s.tour_id = r.tour_id AND s.user_id = r.user_id
	LEFT JOIN branches b ON b.id = u.branch_id
	LEFT JOIN townships tw ON tw.id = COALESCE(s.township_id, u.township_id)
	LEFT JOIN users rv ON rv.id = r.reviewed_by`

// getReport reads one report by where (on r) and its arguments; ErrReportNotFound when none.
func getReport(ctx context.Context, q sqlx.QueryerContext, where string, args ...any) (Report, error) {
	var r Report
	err := sqlx.GetContext(ctx, q, &r, `SELECT `+reportCols+reportFrom+` WHERE `+where, args...)
	if errors.Is(err, sql.ErrNoRows) {
		return r, ErrReportNotFound
	}
	return r, err
}

// MyReport is a participant's report page: the tour, the pre-reading, the report (nil:
// none yet) and whether it may be submitted or edited now (Refusal says why not).
type MyReport struct {
	Tour       TourView   `json:"-"`
	PreReading *CourseRef `json:"pre_reading"`
	Report     *Report    `json:"report"`
	CanEdit    bool       `json:"can_edit"`
	Refusal    string     `json:"refusal,omitempty"`
}

// MyReport returns the viewer's report of the tour: drafts are not found, anybody but a
// confirmed participant is refused (ErrNotParticipant, 403). Locks nothing.
func (s *Store) MyReport(ctx context.Context, me *web.Identity, tourID int64) (MyReport, error) {
	var m MyReport
	v, err := s.View(ctx, me, tourID)
	if err != nil {
		return m, err
	}
	if v.MyStatus != seats.StatusConfirmed {
		return m, ErrNotParticipant
	}
	m.Tour = v
	if m.PreReading, err = s.course(ctx, v.CourseID); err != nil {
		return m, err
	}
	r, err := getReport(ctx, s.db, `r.tour_id = $1 AND r.user_id = $2`, tourID, me.UserID)
	switch {
	case err == nil:
		m.Report = &r
	case !errors.Is(err, ErrReportNotFound):
		return m, err
	}
	status := ""
	if m.Report != nil {
		status = m.Report.Status
	}
	m.Refusal = SubmitRefusal(ReportWindow{Due: v.ReportDue, EndsOn: v.EndsOn, Status: status}, s.now())
	m.CanEdit = m.Refusal == ""
	return m, nil
}

// lockTourShared reads the tour holding its row FOR SHARE; drafts are not found unless
// the caller is an admin.
func lockTourShared(ctx context.Context, tx *sqlx.Tx, tourID int64, admin bool) (Tour, error) {
	var t Tour
	err := tx.GetContext(ctx, &t, `SELECT `+tourCols+` FROM tours t WHERE t.id = $1 FOR SHARE`, tourID)
	if errors.Is(err, sql.ErrNoRows) || err == nil && t.Status == TourDraft && !admin {
		return t, ErrTourNotFound
	}
	return t, err
}

// SubmitReport saves the participant's report (a first submission, an edit of one not yet
// reviewed, or a returned one submitted again): its status becomes submitted and waits
// for the township's review. Only a confirmed participant may (ErrNotParticipant, 403);
// SubmitRefusal decides when (ErrReportClosed, 409, with the reason). A new PDF replaces
// the stored one; RemovePDF drops it; else it stays. Locks: the tour FOR SHARE, the
// sign-up row FOR UPDATE, the report row FOR UPDATE.
func (s *Store) SubmitReport(ctx context.Context, me *web.Identity, tourID int64, in ReportInput) (Report, error) {
	if err := in.check(); err != nil {
		return Report{}, err
	}
	var saved Report
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		t, err := lockTourShared(ctx, tx, tourID, false)
		if err != nil {
			return err
		}
		var status string
		err = tx.GetContext(ctx, &status, `SELECT status FROM tour_signups WHERE tour_id = $1 AND user_id = $2 FOR UPDATE`, tourID, me.UserID)
		if errors.Is(err, sql.ErrNoRows) || err == nil && status != seats.StatusConfirmed {
			return ErrNotParticipant
		}
		if err != nil {
			return err
		}
		var current string
		err = tx.GetContext(ctx, &current, `SELECT status FROM tour_reports WHERE tour_id = $1 AND user_id = $2 FOR UPDATE`, tourID, me.UserID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if why := SubmitRefusal(ReportWindow{Due: t.ReportDue, EndsOn: t.EndsOn, Status: current}, s.now()); why != "" {
			return refuse(ErrReportClosed, why)
		}
		var pdfName *string
		var pdf []byte
		keep := len(in.PDF) == 0 && !in.RemovePDF
		if len(in.PDF) > 0 {
			pdfName, pdf = &in.PDFName, in.PDF
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO tour_reports (tour_id, user_id, status, body, pdf_name, pdf, submitted_at)
			VALUES ($1, $2, 'submitted', $3, $4, $5, $6)
			ON CONFLICT (tour_id, user_id) DO UPDATE SET status = 'submitted', body = EXCLUDED.body,
				pdf_name = CASE WHEN $7 THEN tour_reports.pdf_name ELSE EXCLUDED.pdf_name END,
				pdf = CASE WHEN $7 THEN tour_reports.pdf ELSE EXCLUDED.pdf END,
				submitted_at = EXCLUDED.submitted_at, reviewed_at = NULL, reviewed_by = NULL`,
			tourID, me.UserID, in.Body, pdfName, pdf, s.now(), keep); err != nil {
			return err
		}
		saved, err = getReport(ctx, tx, `r.tour_id = $1 AND r.user_id = $2`, tourID, me.UserID)
		return err
	})
	return saved, err
}

// inTx runs fn in one transaction.
func (s *Store) inTx(ctx context.Context, fn func(tx *sqlx.Tx) error) error {
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

// staffReport reads a report of the tour for staff: the tour as they see it (drafts for
// admins only), the report (ErrReportNotFound), refused outside their township
// (ErrReportElsewhere, 403).
func (s *Store) staffReport(ctx context.Context, me *web.Identity, tourID, reportID int64) (TourView, Report, error) {
	v, err := s.View(ctx, me, tourID)
	if err != nil {
		return v, Report{}, err
	}
	r, err := getReport(ctx, s.db, `r.id = $1 AND r.tour_id = $2`, reportID, tourID)
	if err != nil {
		return v, r, err
	}
	if !web.ScopeOf(me).Allows(r.TownshipID) {
		return v, Report{}, ErrReportElsewhere
	}
	return v, r, nil
}

// StaffReport returns one report for its reviewer (as staffReport).
func (s *Store) StaffReport(ctx context.Context, me *web.Identity, tourID, reportID int64) (TourView, Report, error) {
	return s.staffReport(ctx, me, tourID, reportID)
}

// ReviewReport accepts or returns (with a comment) a submitted report of the reviewer's
// township (any township for admins; another one is ErrReportElsewhere, 403). Accepting
// credits the tour's 学时 to the participant in the ledger in the same transaction
// (hours.Write, once); a report already reviewed is refused (ErrReviewClosed, 409). The
// participant is told in the inbox. Locks: the tour FOR SHARE, the sign-up row FOR
// SHARE, the report row FOR UPDATE, then the person's ledger entry of the tour.
func (s *Store) ReviewReport(ctx context.Context, me *web.Identity, tourID, reportID int64, in ReviewInput) (Report, error) {
	if err := in.check(); err != nil {
		return Report{}, err
	}
	if _, _, err := s.staffReport(ctx, me, tourID, reportID); err != nil {
		return Report{}, err
	}
	var saved Report
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		t, err := lockTourShared(ctx, tx, tourID, me.Role == web.RoleAdmin)
		if err != nil {
			return err
		}
		var userID int64
		if err := tx.GetContext(ctx, &userID, `SELECT user_id FROM tour_reports WHERE id = $1 AND tour_id = $2`, reportID, tourID); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return ErrReportNotFound
			}
			return err
		}
		var signup string
		err = tx.GetContext(ctx, &signup, `SELECT status FROM tour_signups WHERE tour_id = $1 AND user_id = $2 FOR SHARE`, tourID, userID)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		var status string
		if err := tx.GetContext(ctx, &status, `SELECT status FROM tour_reports WHERE id = $1 FOR UPDATE`, reportID); err != nil {
			return err
		}
		if why := ReviewRefusal(status); why != "" {
			return refuse(ErrReviewClosed, why)
		}
		if in.Decision == DecisionAccept && signup != seats.StatusConfirmed {
			return refuse(ErrReviewClosed, "该人员已不在本次考察的确认名单中，不能通过其报告")
		}
		to := ReportAccepted
		if in.Decision == DecisionReturn {
			to = ReportReturned
		}
		now := s.now()
		if _, err := tx.ExecContext(ctx, `UPDATE tour_reports SET status = $2, comment = $3, reviewed_at = $4, reviewed_by = $5
			WHERE id = $1`, reportID, to, in.Comment, now, me.UserID); err != nil {
			return err
		}
		var what, body string
		if to == ReportAccepted {
			if err := credit(ctx, tx, t, userID, me.UserID, now); err != nil {
				return err
			}
			what, body = "学习报告已通过", "您提交的「"+t.Title+"」学习报告已审核通过。"
			if t.Hours > 0 {
				body += "已记入 " + t.HoursText() + " 学时（线下）。"
			}
		} else {
			what, body = "学习报告被退回", "您提交的「"+t.Title+"」学习报告被退回，请修改后重新提交。意见："+in.Comment
		}
		if in.Comment != "" && to == ReportAccepted {
			body += "意见：" + in.Comment
		}
		msg := message(userID, t, what, body)
		msg.URL = fmt.Sprintf("/tours/%d/report", t.ID)
		if err := s.tell(ctx, tx, msg); err != nil {
			return err
		}
		saved, err = getReport(ctx, tx, `r.id = $1`, reportID)
		return err
	})
	return saved, err
}

// ReportPDF returns a report's PDF: the participant's own (reportID 0) or, for staff, the
// report of their township (as StaffReport).
func (s *Store) ReportPDF(ctx context.Context, me *web.Identity, tourID, reportID int64) (name string, data []byte, err error) {
	where, args := `tour_id = $1 AND user_id = $2`, []any{tourID, me.UserID}
	if reportID != 0 {
		if _, _, err := s.staffReport(ctx, me, tourID, reportID); err != nil {
			return "", nil, err
		}
		where, args = `tour_id = $1 AND id = $2`, []any{tourID, reportID}
	} else if _, err := s.MyReport(ctx, me, tourID); err != nil {
		return "", nil, err
	}
	var row struct {
		Name *string `db:"pdf_name"`
		PDF  []byte  `db:"pdf"`
	}
	err = s.db.GetContext(ctx, &row, `SELECT pdf_name, pdf FROM tour_reports WHERE `+where, args...)
	if errors.Is(err, sql.ErrNoRows) || err == nil && row.Name == nil {
		return "", nil, ErrNoPDF
	}
	if err != nil {
		return "", nil, err
	}
	return *row.Name, row.PDF, nil
}

// ReportRow is one confirmed participant on the reports desk: the report's state.
type ReportRow struct {
	UserID      int64      `db:"user_id" json:"user_id"`
	Name        string     `db:"name" json:"name"`
	Branch      string     `db:"branch" json:"branch"`
	TownshipID  int64      `db:"township_id" json:"township_id"`
	Township    string     `db:"township" json:"township"`
	ReportID    *int64     `db:"report_id" json:"report_id"`
	Status      string     `db:"status" json:"status"` // "": not submitted
	SubmittedAt *time.Time `db:"submitted_at" json:"submitted_at"`
	HasPDF      bool       `db:"has_pdf" json:"has_pdf"`
}

// StatusName is the row's report state in Chinese.
func (r ReportRow) StatusName() string { return ReportStatusName(r.Status) }

// Column is the roster's 「报告」 cell of the row (ReportColumn).
func (r ReportRow) Column() string { return ReportColumn(true, true, r.Status) }

// ReportCounts are the counts on top of the reports desk.
type ReportCounts struct {
	Participants int `json:"participants"`
	Missing      int `json:"missing"` // none yet, or returned
	Submitted    int `json:"submitted"`
	Accepted     int `json:"accepted"`
}

// ReportDesk is what staff see of a tour's reports: every confirmed participant in their
// scope with the report's state, the counts, and the sharing sessions.
type ReportDesk struct {
	Tour       TourView     `json:"-"`
	PreReading *CourseRef   `json:"pre_reading"`
	Rows       []ReportRow  `json:"participants"`
	Counts     ReportCounts `json:"counts"`
	Sharing    []Sharing    `json:"sharing"`
}

// reportRows lists the tour's confirmed participants in the township (NULL: all) with
// their report's state, by township, branch and name.
func reportRows(ctx context.Context, q sqlx.QueryerContext, tourID int64, township sql.NullInt64) ([]ReportRow, error) {
	rows := []ReportRow{}
	err := sqlx.SelectContext(ctx, q, &rows, `
		SELECT s.user_id, u.name, COALESCE(b.name, '') AS branch, s.township_id, tw.name AS township,
			r.id AS report_id, COALESCE(r.status, '') AS status, r.submitted_at, r.pdf_name IS NOT NULL AS has_pdf
		FROM tour_signups s JOIN users u ON u.id = s.user_id JOIN townships tw ON tw.id = s.township_id
		LEFT JOIN branches b ON b.id = u.branch_id
		LEFT JOIN tour_reports r ON r.tour_id = s.tour_id AND r.user_id = s.user_id
		WHERE s.tour_id = $1 AND s.status = 'confirmed' AND ($2::bigint IS NULL OR s.township_id = $2)
		ORDER BY tw.sort, tw.id, b.name, u.name, u.id`, tourID, township)
	return rows, err
}

// ReportToDo is a confirmed participant's report the tour asks for and that is not in
// (none yet, or returned), for the home card.
type ReportToDo struct {
	TourID int64     `db:"tour_id"`
	Title  string    `db:"title"`
	Hours  float64   `db:"hours"`
	EndsOn time.Time `db:"ends_on"`
	Due    time.Time `db:"report_due"`
	Status string    `db:"status"` // "" or ReportReturned
}

// ReportsToWrite are the reports the participant can and should submit now
// (SubmitRefusal says nothing against it): tours they were confirmed for that ask for a
// report, back from, not submitted or returned. One round trip. Locks: none.
func (s *Store) ReportsToWrite(ctx context.Context, userID int64) ([]ReportToDo, error) {
	var rows []ReportToDo
	err := s.db.SelectContext(ctx, &rows, `
		SELECT t.id AS tour_id, t.title, t.hours::float8 AS hours, t.ends_on, t.report_due, COALESCE(r.status, '') AS status
		FROM tour_signups g JOIN tours t ON t.id = g.tour_id
		LEFT JOIN tour_reports r ON r.tour_id = g.tour_id AND r.user_id = g.user_id
		WHERE g.user_id = $1 AND g.status = 'confirmed' AND t.report_due IS NOT NULL AND t.status <> 'draft'
			AND (r.status IS NULL OR r.status = $2)
		ORDER BY t.report_due, t.id LIMIT 20`, userID, ReportReturned)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := rows[:0]
	for _, r := range rows {
		due := r.Due
		if SubmitRefusal(ReportWindow{Due: &due, EndsOn: r.EndsOn, Status: r.Status}, now) == "" {
			out = append(out, r)
		}
	}
	return out, nil
}

// ReportsToReview counts the submitted reports waiting for the viewer's review (an
// organizer's own township's, an admin's all) across tours, and names one of their tours
// (the home card links to it when it is the only one). One round trip. Locks: none.
func (s *Store) ReportsToReview(ctx context.Context, me *web.Identity) (n, tours int, tourID int64, err error) {
	var row struct {
		N     int   `db:"n"`
		Tours int   `db:"tours"`
		Tour  int64 `db:"tour"`
	}
	err = s.db.GetContext(ctx, &row, `
		SELECT count(*) AS n, count(DISTINCT r.tour_id) AS tours, COALESCE(min(r.tour_id), 0) AS tour
		FROM tour_reports r JOIN tour_signups g ON g.tour_id = r.tour_id AND g.user_id = r.user_id AND g.status = 'confirmed'
		WHERE r.status = $1 AND ($2::bigint IS NULL OR g.township_id = $2)`,
		ReportSubmitted, web.ScopeOf(me).Township())
	return row.N, row.Tours, row.Tour, err
}

// ReportStates maps each confirmed participant of the tour in the township (NULL: all)
// to the report's status ("": none), for the roster's 「报告」 column.
func (s *Store) ReportStates(ctx context.Context, tourID int64, township sql.NullInt64) (map[int64]string, error) {
	rows, err := reportRows(ctx, s.db, tourID, township)
	m := make(map[int64]string, len(rows))
	for _, r := range rows {
		m[r.UserID] = r.Status
	}
	return m, err
}

// ReportDesk returns the reports desk of a tour for staff (drafts for admins only).
func (s *Store) ReportDesk(ctx context.Context, me *web.Identity, tourID int64) (ReportDesk, error) {
	var d ReportDesk
	var err error
	if d.Tour, err = s.View(ctx, me, tourID); err != nil {
		return d, err
	}
	if d.PreReading, err = s.course(ctx, d.Tour.CourseID); err != nil {
		return d, err
	}
	scope := web.ScopeOf(me)
	if d.Rows, err = reportRows(ctx, s.db, tourID, scope.Township()); err != nil {
		return d, err
	}
	for _, r := range d.Rows {
		d.Counts.Participants++
		switch r.Status {
		case ReportSubmitted:
			d.Counts.Submitted++
		case ReportAccepted:
			d.Counts.Accepted++
		default:
			d.Counts.Missing++
		}
	}
	d.Sharing, err = s.sharing(ctx, tourID, scope.Township())
	return d, err
}

// Attendee is one person at a sharing session.
type Attendee struct {
	SharingID   int64  `db:"sharing_id" json:"-"`
	UserID      int64  `db:"user_id" json:"user_id"`
	Name        string `db:"name" json:"name"`
	Branch      string `db:"branch" json:"branch"`
	Participant bool   `db:"participant" json:"-"` // SharingCandidates: confirmed on the tour
}

// Sharing is a township's sharing session (分享会) after the return.
type Sharing struct {
	ID         int64      `db:"id" json:"id"`
	TourID     int64      `db:"tour_id" json:"tour_id"`
	TownshipID int64      `db:"township_id" json:"township_id"`
	Township   string     `db:"township" json:"township"`
	HeldOn     time.Time  `db:"held_on" json:"held_on"`
	Note       string     `db:"note" json:"note"`
	RecordedBy string     `db:"recorded_by" json:"recorded_by"`
	Attendees  []Attendee `db:"-" json:"attendees"`
}

// sharing lists the tour's sharing sessions in the township (NULL: all) with attendees.
func (s *Store) sharing(ctx context.Context, tourID int64, township sql.NullInt64) ([]Sharing, error) {
	out := []Sharing{}
	if err := s.db.SelectContext(ctx, &out, `SELECT sh.id, sh.tour_id, sh.township_id, tw.name AS township, sh.held_on, sh.note,
			COALESCE(u.name, '') AS recorded_by
		FROM tour_sharing sh JOIN townships tw ON tw.id = sh.township_id LEFT JOIN users u ON u.id = sh.recorded_by
		WHERE sh.tour_id = $1 AND ($2::bigint IS NULL OR sh.township_id = $2) ORDER BY tw.sort, tw.id`, tourID, township); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return out, nil
	}
	var people []Attendee
	if err := s.db.SelectContext(ctx, &people, `SELECT a.sharing_id, a.user_id, u.name, COALESCE(b.name, '') AS branch,
			false AS participant
		FROM tour_sharing_attendees a JOIN tour_sharing sh ON sh.id = a.sharing_id JOIN users u ON u.id = a.user_id
		LEFT JOIN branches b ON b.id = u.branch_id
		WHERE sh.tour_id = $1 ORDER BY b.name, u.name, u.id`, tourID); err != nil {
		return nil, err
	}
	at := map[int64]int{}
	for i := range out {
		at[out[i].ID] = i
		out[i].Attendees = []Attendee{}
	}
	for _, p := range people {
		if i, ok := at[p.SharingID]; ok {
			out[i].Attendees = append(out[i].Attendees, p)
		}
	}
	return out, nil
}

// SharingCandidates lists the people of the township who may be recorded at its sharing
// session: its active secretaries and organizers, the tour's confirmed participants first.
func (s *Store) SharingCandidates(ctx context.Context, tourID, township int64) ([]Attendee, error) {
	out := []Attendee{}
	err := s.db.SelectContext(ctx, &out, `SELECT 0::bigint AS sharing_id, u.id AS user_id, u.name, COALESCE(b.name, '') AS branch,
			s.user_id IS NOT NULL AS participant
		FROM users u LEFT JOIN branches b ON b.id = u.branch_id
		LEFT JOIN tour_signups s ON s.tour_id = $1 AND s.user_id = u.id AND s.status = 'confirmed'
		WHERE u.township_id = $2 AND u.active AND u.role IN ('secretary','organizer')
		ORDER BY (s.user_id IS NULL), b.name, u.name, u.id`, tourID, township)
	return out, err
}

// SaveSharing records (or corrects) a township's sharing session of the tour: the date,
// a note and who attended (people of that township). Organizers record their own
// township's (another one is ErrSharingElsewhere, 403); admins name it. Locks: the tour
// FOR SHARE, then the session row (the upsert).
func (s *Store) SaveSharing(ctx context.Context, me *web.Identity, tourID int64, in SharingInput) (Sharing, error) {
	v, err := s.View(ctx, me, tourID)
	if err != nil {
		return Sharing{}, err
	}
	switch me.Role {
	case web.RoleOrganizer:
		if in.TownshipID != 0 && in.TownshipID != me.TownshipID {
			return Sharing{}, ErrSharingElsewhere
		}
		in.TownshipID = me.TownshipID
	case web.RoleAdmin:
	default:
		return Sharing{}, web.Forbidden("")
	}
	held, err := in.check(v.EndsOn)
	f := web.FieldErrors{}
	var ie *web.InputError
	if errors.As(err, &ie) {
		f = ie.Fields
	} else if err != nil {
		return Sharing{}, err
	}
	if in.TownshipID <= 0 {
		f["township_id"] = "请选择乡镇"
	}
	ids := uniqueIDs(in.Attendees)
	if len(f) == 0 {
		var n int
		if err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM users WHERE id = ANY($1) AND township_id = $2
			AND role IN ('secretary','organizer')`, pq.Array(ids), in.TownshipID); err != nil {
			return Sharing{}, err
		}
		if n != len(ids) {
			f["attendees"] = "只能选择本乡镇的人员"
		}
	}
	if len(f) > 0 {
		return Sharing{}, web.Invalidf("请检查标红的项目", f)
	}
	var id int64
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := lockTourShared(ctx, tx, tourID, me.Role == web.RoleAdmin); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &id, `INSERT INTO tour_sharing (tour_id, township_id, held_on, note, recorded_by)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (tour_id, township_id) DO UPDATE SET held_on = EXCLUDED.held_on, note = EXCLUDED.note,
				recorded_by = EXCLUDED.recorded_by, recorded_at = now()
			RETURNING id`, tourID, in.TownshipID, held.Format(web.DateLayout), in.Note, me.UserID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM tour_sharing_attendees WHERE sharing_id = $1`, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO tour_sharing_attendees (sharing_id, user_id) SELECT $1, unnest($2::bigint[])`,
			id, pq.Array(ids))
		return err
	})
	if err != nil {
		return Sharing{}, err
	}
	list, err := s.sharing(ctx, tourID, sql.NullInt64{Int64: in.TownshipID, Valid: true})
	if err != nil || len(list) == 0 {
		return Sharing{}, err
	}
	return list[0], nil
}

// uniqueIDs returns the positive ids, each once, in order.
func uniqueIDs(ids []int64) []int64 {
	seen := map[int64]bool{}
	out := []int64{}
	for _, id := range ids {
		if id > 0 && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// demoReport gives the demo tour whose itinerary asks for a 发展思路 after the return a
// report deadline two weeks after it and a pre-reading course (the first published one
// on the 三中全会, else the first published one).
func (s *Store) demoReport(ctx context.Context, in *TourInput, endsOn time.Time) error {
	if !strings.Contains(in.Itinerary, "返程后提交") {
		return nil
	}
	in.ReportDue = endsOn.AddDate(0, 0, 14).Format(web.DateLayout)
	list, err := s.courseList(ctx)
	if err != nil || len(list) == 0 {
		return err
	}
	in.CourseID = list[0].ID
	for _, c := range list {
		if strings.Contains(c.Title, "三中全会") {
			in.CourseID = c.ID
			break
		}
	}
	return nil
}
