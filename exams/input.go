package exams

import "math"

// Bad input never reaches the database as a 500: bodies are decoded by web.BindJSON (a
// value that does not fit its field is a 422 naming the field) and every text and number
// is checked by the pure validators (ToExam, ValidateRules, Question.Normalize) with
// web.BadText and finite.

// finite tells whether f is a real number (not NaN or ±Inf).
func finite(f float64) bool { return !math.IsNaN(f) && !math.IsInf(f, 0) }

// twoDecimals tells whether f has at most two decimals (points and scores are stored so).
func twoDecimals(f float64) bool {
	c := f * 100
	return finite(c) && math.Abs(c-math.Round(c)) < 1e-6
}
