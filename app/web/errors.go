package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/database"
)

// Error is an error a user can act on. Under /api/v1 it is answered as
// {"error":{"code":"snake_case","message":"中文说明","fields":{...}}}; elsewhere as a Chinese page.
type Error struct {
	Status  int               `json:"-"`
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// Err builds an Error.
func Err(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// Common errors, each with its Chinese message.
func BadRequest(msg string) *Error { return Err(http.StatusBadRequest, "bad_request", msg) }
func NotFound(msg string) *Error {
	if msg == "" {
		msg = "找不到您要的内容，可能已被删除或您无权查看"
	}
	return Err(http.StatusNotFound, "not_found", msg)
}
func Forbidden(msg string) *Error {
	if msg == "" {
		msg = "您没有权限进行此操作"
	}
	return Err(http.StatusForbidden, "forbidden", msg)
}
func Conflict(code, msg string) *Error { return Err(http.StatusConflict, code, msg) }

// Invalid is a 422 with a message per field.
func Invalid(msg string, fields map[string]string) *Error {
	if msg == "" {
		msg = "提交的内容有误，请检查后重试"
	}
	return &Error{Status: http.StatusUnprocessableEntity, Code: "validation_failed", Message: msg, Fields: fields}
}

// fiberCodes gives the code and Chinese message for errors raised by Fiber itself.
var fiberCodes = map[int][2]string{
	400: {"bad_request", "请求格式有误"},
	401: {"unauthenticated", "请先登录"},
	403: {"forbidden", "您没有权限进行此操作"},
	404: {"not_found", "找不到您要的页面"},
	405: {"method_not_allowed", "不支持此操作方式"},
	408: {"timeout", "请求超时，请重试"},
	413: {"payload_too_large", "上传的内容过大，请压缩或拆分后重试"},
	415: {"unsupported_media_type", "不支持的内容格式"},
	422: {"validation_failed", "提交的内容有误"},
	429: {"too_many_requests", "操作过于频繁，请稍后再试"},
	503: {"unavailable", "服务暂时不可用，请稍后再试"},
}

// errDBUnavailable answers any request that could not reach the database in time.
var errDBUnavailable = Err(http.StatusServiceUnavailable, "db_unavailable", "数据库暂时无法访问，您的操作没有完成，请稍后再试")

// FieldErrors is a domain error for input that fails a feature's checks: field → Chinese
// message. Stores and operations return it; it is answered as 422 validation_failed.
type FieldErrors map[string]string

func (f FieldErrors) Error() string { return fmt.Sprintf("invalid fields: %d", len(f)) }

// InputError is FieldErrors with the headline a person reads first (a form page shows
// the headline above its fields); answered as 422 validation_failed with that message.
type InputError struct {
	Message string
	Fields  FieldErrors
}

// Invalidf builds an *InputError as an error.
func Invalidf(msg string, fields FieldErrors) error { return &InputError{Message: msg, Fields: fields} }

func (e *InputError) Error() string { return "invalid input: " + e.Message }
func (e *InputError) Unwrap() error { return e.Fields }

// ErrorTable is one feature's mapping of its domain errors (sentinels compared with
// errors.Is) to what the user sees. Each feature keeps one, in its errors.go, and hands it
// to Server.MapErrors at Mount; stores never build *Error themselves.
type ErrorTable map[error]*Error

// Map returns the *Error for a domain error of the table, or err unchanged.
func (t ErrorTable) Map(err error) error {
	if we := t.lookup(err); we != nil {
		return we
	}
	return err
}

func (t ErrorTable) lookup(err error) *Error {
	if err == nil {
		return nil
	}
	for domain, we := range t {
		if errors.Is(err, domain) {
			return withReason(we, err)
		}
	}
	return nil
}

// Reason is implemented by a domain error whose Chinese message a rule decides at run time
// (a refusal naming a deadline, a count or a status): the table still gives status and
// code, the reason replaces the table's message.
type Reason interface{ Reason() string }

// Refuse is the domain error kind (a sentinel of a feature's ErrorTable) carrying the
// Chinese reason a rule gave: errors.Is(err, kind) holds, and the page or JSON shows the
// reason with the table's status and code.
func Refuse(kind error, reason string) error { return &refusal{kind: kind, reason: reason} }

type refusal struct {
	kind   error
	reason string
}

func (r *refusal) Error() string  { return r.kind.Error() + ": " + r.reason }
func (r *refusal) Unwrap() error  { return r.kind }
func (r *refusal) Reason() string { return r.reason }

func withReason(we *Error, err error) *Error {
	var r Reason
	if errors.As(err, &r) && r.Reason() != "" {
		c := *we
		c.Message = r.Reason()
		return &c
	}
	return we
}

// MapErrors registers a feature's error table: handlers return domain errors as they
// are and the server answers them with the table's status, code and message.
func (s *Server) MapErrors(t ErrorTable) { s.errorTables = append(s.errorTables, t) }

// AsError is the package-level AsError after the features' error tables: what a form
// handler uses to show a domain error on its own page.
func (s *Server) AsError(err error) *Error {
	for _, t := range s.errorTables {
		if we := t.lookup(err); we != nil {
			return we
		}
	}
	return AsError(err)
}

// AsError turns any error into an *Error; unknown errors become a 500 that hides details.
func AsError(err error) *Error {
	var we *Error
	if errors.As(err, &we) {
		return we
	}
	var input *InputError
	if errors.As(err, &input) {
		return Invalid(input.Message, input.Fields)
	}
	var fields FieldErrors
	if errors.As(err, &fields) {
		return Invalid("", fields)
	}
	if database.IsUnavailable(err) {
		return errDBUnavailable
	}
	var fe *fiber.Error
	if errors.As(err, &fe) {
		if cm, ok := fiberCodes[fe.Code]; ok {
			return Err(fe.Code, cm[0], cm[1])
		}
		if fe.Code < 500 {
			return Err(fe.Code, "bad_request", "请求有误")
		}
	}
	return Err(http.StatusInternalServerError, "internal_error", "服务器出了点问题，请稍后再试")
}

// IsAPI tells whether the request is for the JSON API. A download served through a
// one-time link (download.go) is for a person in a browser: its errors are pages.
func IsAPI(c *fiber.Ctx) bool {
	return strings.HasPrefix(c.Path(), "/api/") && !viaLink(c)
}

func (s *Server) handleError(c *fiber.Ctx, err error) error {
	we := s.AsError(err)
	if we.Status >= 500 {
		s.log.Error("request failed", "path", c.Path(), "method", c.Method(), "request_id", RequestID(c), "err", err)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	if IsAPI(c) || strings.Contains(c.Get(fiber.HeaderAccept), "application/json") && !strings.Contains(c.Get(fiber.HeaderAccept), "text/html") {
		return c.Status(we.Status).JSON(fiber.Map{"error": we})
	}
	if we.Status == http.StatusUnauthorized {
		return c.Redirect("/login?next=" + urlQueryEscape(c.OriginalURL()))
	}
	c.Status(we.Status)
	if s.Render == nil {
		return c.SendString(we.Message)
	}
	headline := ErrorHeadline(we.Status)
	if rerr := s.Render.Page(c, "web/error", fiber.Map{"Title": headline, "Headline": headline, "Error": we, "Back": backHref(c)}); rerr != nil {
		s.log.Error("render error page", "err", rerr)
		return c.SendString(we.Message)
	}
	return nil
}

var _ = slog.Default
