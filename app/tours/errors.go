package tours

import (
	"errors"

	"zhibu/app/seats"
	"zhibu/app/web"
)

// The errors of the seats (app/seats) under the tours' names; seats.Errors says them.
var (
	ErrAlreadySignedUp   = seats.ErrAlreadySignedUp
	ErrAlreadyRejected   = seats.ErrAlreadyRejected
	ErrNoQuota           = seats.ErrNoQuota
	ErrMoved             = seats.ErrMoved
	ErrNothingToCancel   = seats.ErrNothingToCancel
	ErrInvalidTransition = seats.ErrInvalidTransition
)

// The tours' domain errors. The store returns them (a refusal carries the Chinese reason
// a rule of rules.go gave); errorTable says what a user sees.
var (
	ErrTourNotFound      = errors.New("tour not found")
	ErrSecretaryNotFound = errors.New("secretary not found")
	ErrSignupNotFound    = errors.New("sign-up not found")
	ErrNotSignedUp       = errors.New("not signed up for the tour")
	ErrOtherTownship     = errors.New("sign-up of another township")
	ErrNomineeElsewhere  = errors.New("nominee of another township")
	ErrSignupClosed      = errors.New("sign-up closed")
	ErrNotEligible       = errors.New("required courses left")
	ErrCancelClosed      = errors.New("cancellation deadline passed")
	ErrNoNominee         = errors.New("nominee missing")
	ErrReasonMissing     = errors.New("rejection reason missing")
	ErrReasonTooLong     = errors.New("rejection reason too long")
	ErrReasonBadText     = errors.New("rejection reason holds bad text")
	ErrNoteTooLong       = errors.New("note too long")
	ErrNoteBadText       = errors.New("note holds bad text")
	ErrNoCourseRule      = errors.New("tours: Deps.RequiredCoursesLeft is not set")
	ErrNoInbox           = errors.New("tours: Deps.Post is not set")
)

// The errors of the tour reports and sharing sessions (rules_reports.go, store_reports.go).
var (
	ErrNotParticipant   = errors.New("not a confirmed participant")
	ErrReportClosed     = errors.New("report cannot be submitted now")
	ErrReportNotFound   = errors.New("report not found")
	ErrReportElsewhere  = errors.New("report of another township")
	ErrReviewClosed     = errors.New("report cannot be reviewed")
	ErrNoPDF            = errors.New("report has no PDF")
	ErrNotPDF           = errors.New("not a PDF")
	ErrPDFTooLarge      = errors.New("PDF too large")
	ErrSharingElsewhere = errors.New("sharing session of another township")
)

// badText is the message web.CheckText gives for a field holding text that cannot be stored.
const badText = "提交的内容" + web.BadTextMessage

var errorTable = web.ErrorTable{
	ErrTourNotFound:      web.NotFound("找不到该考察活动"),
	ErrSecretaryNotFound: web.NotFound("找不到该支部书记"),
	ErrSignupNotFound:    web.NotFound("找不到该报名记录"),
	ErrNotSignedUp:       web.NotFound("您没有报名该考察活动"),
	ErrOtherTownship:     web.Forbidden("该报名不属于您管理的乡镇，只能审核本乡镇的报名"),
	ErrNomineeElsewhere:  web.Forbidden("只能推荐本乡镇的支部书记"),
	ErrSignupClosed:      web.Conflict("signup_closed", "该考察活动当前不接受报名"),
	ErrNotEligible:       web.Conflict("not_eligible", "报名本次考察需先完成年度全部必修课程"),
	ErrCancelClosed:      web.Conflict("cancel_deadline_passed", "已过取消截止时间，如确需退出请联系乡镇组织委员"),
	ErrNoNominee:         web.Invalid("请选择要推荐的支部书记", map[string]string{"user_id": "必填"}),
	ErrReasonMissing:     web.Invalid("请填写驳回理由", map[string]string{"reason": "请填写驳回理由"}),
	ErrReasonTooLong:     web.Invalid("驳回理由不能超过 500 字", map[string]string{"reason": "不能超过 500 字"}),
	ErrReasonBadText:     web.Invalid(badText, map[string]string{"reason": web.BadTextMessage}),
	ErrNoteTooLong:       web.Invalid("备注不能超过 200 字", map[string]string{"note": "不能超过 200 字"}),
	ErrNoteBadText:       web.Invalid(badText, map[string]string{"note": web.BadTextMessage}),

	ErrNotParticipant:   web.Forbidden("只有确认参加本次考察的人员才能提交学习报告"),
	ErrReportClosed:     web.Conflict("report_closed", "现在不能提交或修改学习报告"),
	ErrReportNotFound:   web.NotFound("找不到该学习报告"),
	ErrReportElsewhere:  web.Forbidden("该学习报告不属于您管理的乡镇，只能审核本乡镇人员的报告"),
	ErrReviewClosed:     web.Conflict("report_reviewed", "该学习报告现在不能审核"),
	ErrNoPDF:            web.NotFound("该学习报告没有上传 PDF"),
	ErrNotPDF:           web.Invalid("上传的文件不是 PDF，请上传 PDF 格式的报告", map[string]string{"pdf": "请上传 PDF 文件"}),
	ErrPDFTooLarge:      web.Invalid("PDF 不能超过 "+MaxReportPDFText+"，请压缩后再上传", map[string]string{"pdf": "不能超过 " + MaxReportPDFText}),
	ErrSharingElsewhere: web.Forbidden("只能记录本乡镇的分享会"),
}

// refuse is web.Refuse: kind with the reason a rule of rules.go gave.
func refuse(kind error, reason string) error { return web.Refuse(kind, reason) }
