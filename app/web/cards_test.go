package web

import (
	"testing"
	"time"
)

func TestOrderCardsByUrgency(t *testing.T) {
	now := time.Date(2026, 12, 4, 9, 0, 0, 0, China)
	cards := OrderCards([]Card{
		{Title: "学时", Order: 10},
		{Title: "必修课程", Accent: true, Link: "/courses/1", Due: now.AddDate(0, 2, 0), Order: 11},
		{Title: "继续学习", Accent: true, Link: "/lessons/3", Order: 12},
		{Title: "考试", Accent: true, Link: "/exams", Due: now.AddDate(0, 0, 14), Order: 30},
		{Title: "考察学习", Order: 40},
	})
	var got []string
	for _, c := range cards {
		got = append(got, c.Title)
	}
	want := []string{"考试", "必修课程", "继续学习", "学时", "考察学习"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
	n := 0
	for i, c := range cards {
		if c.Suggested {
			n++
			if i != 0 {
				t.Errorf("suggested card %d", i)
			}
		}
		if c.Accent && i != 0 {
			t.Errorf("card %q keeps its accent: two suggestions", c.Title)
		}
	}
	if n != 1 {
		t.Errorf("%d suggested cards", n)
	}
}

func TestOrderCardsNothingToDo(t *testing.T) {
	cards := OrderCards([]Card{{Title: "b", Order: 2}, {Title: "a", Order: 1}})
	if cards[0].Title != "a" || cards[0].Suggested || cards[1].Suggested {
		t.Errorf("%+v", cards)
	}
}
