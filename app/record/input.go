package record

import (
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"zhibu/app/web"
)

// ParseYear reads ?year=: this year (China time) when empty, else 2000–2100.
func ParseYear(v string, now time.Time) (int, error) {
	if v == "" {
		return now.In(web.China).Year(), nil
	}
	y, err := strconv.Atoi(v)
	if err != nil || y < 2000 || y > 2100 {
		return 0, ErrBadYear
	}
	return y, nil
}

// ParseTownship reads ?township=: 0 when empty, else a positive id (a negative or
// malformed one is refused).
func ParseTownship(v string) (int64, error) {
	if v == "" {
		return 0, nil
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, ErrBadTownship
	}
	if id <= 0 {
		return 0, ErrTownshipNotFound
	}
	return id, nil
}

// TownshipFor is the township whose workbook a caller downloads: an organizer's own
// (asking for another one is not found), an admin's choice, which is required.
func TownshipFor(scope web.Scope, requested int64) (int64, error) {
	switch {
	case !scope.All && requested != 0 && requested != scope.TownshipID:
		return 0, ErrTownshipNotFound
	case !scope.All:
		return scope.TownshipID, nil
	case requested == 0:
		return 0, ErrTownshipRequired
	}
	return requested, nil
}

func yearOf(c *fiber.Ctx, now time.Time) (int, error) { return ParseYear(c.Query("year"), now) }

// yearsAround are the years the year picker offers: this year and the four before, and
// the year shown when it is outside them.
func yearsAround(year int, now time.Time) []int {
	this := now.In(web.China).Year()
	out := []int{}
	for y := this; y >= this-4; y-- {
		out = append(out, y)
	}
	if year > this || year < this-4 {
		out = append([]int{year}, out...)
	}
	return out
}
