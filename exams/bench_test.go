package exams

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"zhibu/app/testdb"
	"zhibu/app/web/webtest"
)

// Draw cost must stay flat as the bank grows: these print ns/op for a 50-question paper
// (30 单选 + 10 多选 + 10 判断) from banks of 1,000 and 100,000 questions.

func benchPools(n int) func(PoolKey) []int64 {
	p := map[PoolKey][]int64{}
	for i := 0; i < n; i++ {
		k := PoolKey{Kind: []string{KindSingle, KindSingle, KindSingle, KindMultiple, KindJudge}[i%5]}
		p[k] = append(p[k], int64(i+1))
	}
	return func(k PoolKey) []int64 { return p[k] }
}

func benchDrawPure(b *testing.B, n int) {
	pool := benchPools(n)
	rng := rand.New(rand.NewPCG(1, 2))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Draw(demoRules, pool, rng); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDraw1k(b *testing.B)   { benchDrawPure(b, 1_000) }
func BenchmarkDraw100k(b *testing.B) { benchDrawPure(b, 100_000) }

var benchBankOnce sync.Once

// benchBank fills two categories: bench1k (1,000 questions) and bench100k (100,000).
func benchBank(b *testing.B) {
	db := testdb.DB(b)
	benchBankOnce.Do(func() {
		for _, c := range []struct {
			cat string
			n   int
		}{{"bench1k", 1_000}, {"bench100k", 100_000}} {
			for start := 0; start < c.n; start += 20_000 {
				var qs []Question
				for i := start; i < min(c.n, start+20_000); i++ {
					q := Question{Category: c.cat, Stem: fmt.Sprintf("%s 第%d题：关于三会一课的规定，下列说法正确的是？", c.cat, i),
						Explanation: "解析：依据相关规定。", Difficulty: "中", Points: 1}
					switch i % 5 {
					case 3:
						q.Kind, q.Options, q.Answer = KindMultiple, []string{"选项一", "选项二", "选项三", "选项四"}, "AB"
					case 4:
						q.Kind, q.Answer = KindJudge, "A"
					default:
						q.Kind, q.Options, q.Answer = KindSingle, []string{"选项一", "选项二", "选项三", "选项四"}, "C"
					}
					qs = append(qs, q)
				}
				tx := db.MustBegin()
				if _, err := insertQuestions(context.Background(), tx, qs, nil); err != nil {
					b.Fatal(err)
				}
				tx.Commit()
			}
		}
	})
}

// benchDrawDB draws and freezes a paper the way StartAttempt does: bank version check,
// ids from the in-memory pools, fetch of the 50 drawn rows, option shuffle.
func benchDrawDB(b *testing.B, cat string) {
	benchBank(b)
	st := NewStore(testdb.DB(b), nil, Deps{})
	e := &Exam{ID: 1, ShuffleQuestions: true, ShuffleOptions: true, Rules: []Rule{
		{Kind: KindSingle, Category: cat, Count: 30, Points: 1}, {Kind: KindMultiple, Category: cat, Count: 10, Points: 2},
		{Kind: KindJudge, Category: cat, Count: 10, Points: 1}}}
	if _, err := st.drawPaper(context.Background(), e); err != nil { // loads the pools once
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		paper, err := st.drawPaper(context.Background(), e)
		if err != nil || len(paper) != 50 {
			b.Fatal(err)
		}
	}
}

func BenchmarkDrawDB1k(b *testing.B)   { benchDrawDB(b, "bench1k") }
func BenchmarkDrawDB100k(b *testing.B) { benchDrawDB(b, "bench100k") }

// BenchmarkGradePaper grades a 50-item paper.
func BenchmarkGradePaper(b *testing.B) {
	var paper []Item
	answers := map[string]string{}
	for i := 1; i <= 50; i++ {
		paper = append(paper, Item{Position: i, Kind: KindMultiple, Correct: "ACD", Points: 2})
		answers[itoa(i)] = "AC"
	}
	for i := 0; i < b.N; i++ {
		Grade(paper, answers, MultiPartial, 60)
	}
}

// BenchmarkPracticeAnswer: one practice answer over HTTP in-process (session lookup, the
// question-and-guard SELECT, the INSERT) while 20 exams are live for the caller's
// township; "guarded" is refused after the SELECT alone.
func BenchmarkPracticeAnswer(b *testing.B) {
	e := newEnvB(b)
	free := e.cat
	e.cat = testdb.Unique("分类")
	e.bank(b, 10, 0, 10)
	for i := 0; i < 20; i++ {
		e.examWith(b, func(in *ExamInput) {
			in.Rules = []Rule{{Kind: KindSingle, Category: e.cat, Count: 5, Points: 1}, {Kind: KindJudge, Category: e.cat, Count: 5, Points: 1}}
		})
	}
	cl := webtest.AsUser(b, e.srv, e.county.Secretaries[0][0])
	for _, c := range []struct{ name, cat string }{{"open", free}, {"guarded", e.cat}} {
		var id int64
		testdb.Get(b, e.db, &id, `SELECT id FROM questions WHERE category = $1 AND kind = 'single' LIMIT 1`, c.cat)
		b.Run(c.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if st, body := cl.JSON("POST", "/api/v1/practice/answer", map[string]any{"question_id": id, "answer": []string{"A"}}); st != 200 && st != 409 {
					b.Fatalf("%d %s", st, body)
				}
			}
		})
	}
}
