package courses

import (
	"errors"
	"net/http"

	"zhibu/app/web"
)

// Domain errors of the courses feature. Stores and operations return them (or
// web.FieldErrors for input that fails its checks); errorTable says what the user sees.
var (
	ErrCourseNotFound     = errors.New("course not found")
	ErrCourseNotVisible   = errors.New("course not found or not published")
	ErrLessonNotFound     = errors.New("lesson not found")
	ErrLessonHasProgress  = errors.New("lesson has learners' progress: archive it instead")
	ErrBadStatus          = errors.New("unknown progress status filter")
	ErrAttachmentNotFound = errors.New("attachment not found")
	ErrAssignmentNotFound = errors.New("assignment not found")
	ErrTownshipNotFound   = errors.New("township not found or outside the caller's scope")
	ErrBranchNotFound     = errors.New("branch not found or outside the caller's scope")
	ErrDuplicateTitle     = errors.New("a course with this title exists")
	ErrNoLessons          = errors.New("a course without lessons cannot be published")
	ErrLessonOrder        = errors.New("lesson ids are not exactly the course's lessons")
	ErrImpossibleTime     = errors.New("claimed study time exceeds the time that passed")
	ErrBadYear            = errors.New("year is not between 2000 and 2100")
	ErrTooLarge           = errors.New("attachment over MaxAttachment")
	ErrNotPDF             = errors.New("attachment is not a PDF")
	ErrBadFilename        = errors.New("attachment file name empty or too long")
	ErrFilenameText       = errors.New("attachment file name has bad text")
)

// errorTable maps the domain errors to status, code and Chinese message (Mount registers it).
var errorTable = web.ErrorTable{
	ErrCourseNotFound:     web.NotFound("找不到该课程"),
	ErrCourseNotVisible:   web.NotFound("找不到该课程，或课程尚未发布"),
	ErrLessonNotFound:     web.NotFound("找不到该课时"),
	ErrLessonHasProgress:  web.Conflict("lesson_has_progress", "已有学员学习过该课时，删除会丢掉他们的学习记录，因此不能删除。可以改为归档：学员将看不到该课时，它也不再计入课程完成条件，学习记录保留，之后还能恢复。"),
	ErrBadStatus:          web.BadRequest("学习状态筛选不正确，请从列表中选择"),
	ErrAttachmentNotFound: web.NotFound("找不到该附件"),
	ErrAssignmentNotFound: web.NotFound("找不到该必修安排"),
	ErrTownshipNotFound:   web.NotFound("找不到该乡镇，或不在您的管理范围内"),
	ErrBranchNotFound:     web.NotFound("找不到该支部，或不在您的管理范围内"),
	ErrDuplicateTitle:     web.Conflict("duplicate_title", "已有同名课程"),
	ErrNoLessons:          web.Invalid("课程还没有课时，不能发布", map[string]string{"published": "请先添加课时"}),
	ErrLessonOrder:        web.Invalid("课时列表与课程不一致，请刷新后重试", map[string]string{"lesson_ids": "应包含本课程的全部课时，且每个只出现一次"}),
	ErrImpossibleTime:     web.Err(http.StatusUnprocessableEntity, "impossible_time", "上报的学习时长超过了实际经过的时间，本次不计时"),
	ErrBadYear:            web.Invalid("年度应为 2000 至 2100 之间的四位数字", map[string]string{"year": "年度不正确"}),
	ErrTooLarge:           web.Err(http.StatusRequestEntityTooLarge, "payload_too_large", "附件过大，请不要超过 50 MB"),
	ErrNotPDF:             web.Invalid("附件只支持 PDF 文件", map[string]string{"file": "不是有效的 PDF 文件"}),
	ErrBadFilename:        web.Invalid("文件名不正确", map[string]string{"file": "文件名为空或过长"}),
	ErrFilenameText:       web.Invalid("文件名"+web.BadTextMessage, map[string]string{"file": "文件名" + web.BadTextMessage}),
}
