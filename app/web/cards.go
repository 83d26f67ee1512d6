package web

import (
	"sort"
	"time"
)

// Card is one block of a home page: a title, a big figure, an optional progress bar,
// lines of detail and the next step. Features contribute cards without touching the
// home page's template (Server.AddHomeCards).
type Card struct {
	Title    string
	Big      string
	Bar      bool
	Percent  int
	Lines    []string
	Link     string
	LinkText string
	// Accent: the card's link is something the user can do now (start an exam, study a
	// required course, sign up) rather than something to look at.
	Accent bool
	// Due is when the thing the card is about is due or closes; zero when it never does.
	Due time.Time
	// Order places cards with the same urgency (smaller first).
	Order int
	// Suggested is set by OrderCards on the one card whose action is the next step.
	Suggested bool
}

// OrderCards is the home page's one rule of urgency: cards with something to do now and
// a deadline come first, the soonest deadline first (an exam closing in 2 weeks before a
// course due in 2 months); then the other actionable cards (continue studying); then the
// cards that only inform, each group in Order. The first actionable card is the one
// suggested next step: it alone keeps its accent, so the page never suggests two things.
func OrderCards(cards []Card) []Card {
	group := func(c Card) int {
		switch {
		case c.Accent && !c.Due.IsZero():
			return 0
		case c.Accent:
			return 1
		}
		return 2
	}
	sort.SliceStable(cards, func(i, j int) bool {
		a, b := cards[i], cards[j]
		if ga, gb := group(a), group(b); ga != gb {
			return ga < gb
		}
		if group(a) == 0 && !a.Due.Equal(b.Due) {
			return a.Due.Before(b.Due)
		}
		return a.Order < b.Order
	})
	for i := range cards {
		cards[i].Suggested = i == 0 && cards[i].Accent && cards[i].Link != ""
		if i > 0 {
			cards[i].Accent = false
		}
	}
	return cards
}
