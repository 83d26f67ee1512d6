package web

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// BindJSON decodes the request's JSON body into v. An empty or malformed body is a 400
// bad_json; a value that does not fit its field — a string for a number, 2.5 or 1e30 for
// a count, a bare NaN or Infinity — is a 422 naming the field.
func BindJSON(c *fiber.Ctx, v any) error {
	body := c.Body()
	if len(body) == 0 {
		return Err(fiber.StatusBadRequest, "bad_json", "请求内容为空，应为 JSON")
	}
	return DecodeJSON(body, v)
}

// DecodeJSON is BindJSON's decoding, for bodies already read.
func DecodeJSON(body []byte, v any) error {
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) && te.Field != "" {
		msg := typeMessage(te.Type)
		return Invalid("“"+te.Field+"”"+msg, map[string]string{te.Field: msg})
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		at := int(se.Offset) - 1
		for at > 0 && at <= len(body) && strings.IndexByte("+-.0123456789eE", body[at-1]) >= 0 {
			at-- // the bad value began as a number: -Infinity, 1.5.2
		}
		if field := valueFieldAt(body, at); field != "" {
			msg := "不是有效的值（数字应为有限的十进制数）"
			return Invalid("“"+field+"”"+msg, map[string]string{field: msg})
		}
	}
	if te != nil {
		return Err(fiber.StatusBadRequest, "bad_json", "请求内容应为 JSON 对象")
	}
	return Err(fiber.StatusBadRequest, "bad_json", "请求内容不是有效的 JSON")
}

// typeMessage says in Chinese what a field of type t expects.
func typeMessage(t reflect.Type) string {
	if t == nil {
		return "类型不正确"
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "应为整数，且不能超出范围"
	case reflect.Float32, reflect.Float64:
		return "应为数字，且不能超出范围"
	case reflect.String:
		return "应为文字"
	case reflect.Bool:
		return "应为 true 或 false"
	case reflect.Slice, reflect.Array:
		return "应为数组"
	case reflect.Pointer:
		return typeMessage(t.Elem())
	}
	return "类型不正确"
}

// valueFieldAt names the field (dotted path of object keys, like encoding/json's
// UnmarshalTypeError.Field) whose value starts at body[at], or "" when at is not where a
// value of an object's field (or of an array inside one) begins.
func valueFieldAt(body []byte, at int) string {
	if at < 0 || at > len(body) {
		return ""
	}
	type frame struct {
		obj bool
		key string
	}
	var stack []frame
	expectKey := false
	last := byte(0) // last structural byte before at
	for i := 0; i < at; i++ {
		switch ch := body[i]; ch {
		case '"':
			j := i + 1
			for j < at && body[j] != '"' {
				if body[j] == '\\' {
					j++
				}
				j++
			}
			if j >= at {
				return "" // inside a string
			}
			if n := len(stack); n > 0 && stack[n-1].obj && expectKey {
				var k string
				if json.Unmarshal(body[i:j+1], &k) != nil {
					k = string(body[i+1 : j])
				}
				stack[n-1].key, expectKey = k, false
			}
			i, last = j, '"'
		case '{':
			stack, expectKey, last = append(stack, frame{obj: true}), true, ch
		case '[':
			stack, last = append(stack, frame{}), ch
		case '}', ']':
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
			last = ch
		case ',':
			if n := len(stack); n > 0 && stack[n-1].obj {
				expectKey = true
			}
			last = ch
		case ':':
			last = ch
		case ' ', '\t', '\n', '\r':
		default:
			last = ch
		}
	}
	n := len(stack)
	if n == 0 {
		return ""
	}
	inValue := (stack[n-1].obj && last == ':') || (!stack[n-1].obj && (last == '[' || last == ','))
	if !inValue {
		return ""
	}
	var path []string
	for _, f := range stack {
		if f.obj && f.key != "" {
			path = append(path, f.key)
		}
	}
	return strings.Join(path, ".")
}
