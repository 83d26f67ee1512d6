package exams

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"

	"zhibu/app/web/browsertest"
	"zhibu/app/web/webtest"
)

// BenchmarkSaveHTTP measures the save call end to end over real HTTP (one process: client
// and server), 50 candidates saving at once; run with -cpuprofile to see where time goes.
func BenchmarkSaveHTTP(b *testing.B) {
	e := newEnvB(b)
	base := browsertest.Serve(b, e.srv)
	type cand struct {
		path, cookie, csrf string
		n                  int
	}
	var cands []cand
	examID := e.examB(b)
	for _, town := range e.county.Secretaries {
		for _, u := range town {
			cl := webtest.AsUser(b, e.srv, u)
			st, body := cl.JSON("POST", fmt.Sprintf("/api/v1/exams/%d/attempts", examID), nil)
			if st != 201 && st != 200 {
				b.Fatalf("start %d %s", st, body)
			}
			var a attemptJSON
			webtest.Decode(b, body, &a)
			cands = append(cands, cand{path: fmt.Sprintf("%s/api/v1/attempts/%d/answers/", base, a.ID), cookie: "zhibu_session=" + cl.Cookies["zhibu_session"], csrf: cl.CSRF, n: len(a.Items)})
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 100}}
	var next atomic.Int64
	b.ResetTimer()
	var wg sync.WaitGroup
	for w := 0; w < 48; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			c := cands[w%len(cands)]
			for i := next.Add(1); i <= int64(b.N); i = next.Add(1) {
				req, _ := http.NewRequest("PUT", c.path+fmt.Sprint(1+int(i)%c.n), bytes.NewReader([]byte(`{"answer":["A"]}`)))
				req.Header.Set("Cookie", c.cookie)
				req.Header.Set("X-CSRF-Token", c.csrf)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					b.Error(err)
					return
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					b.Errorf("save: %d", resp.StatusCode)
					return
				}
			}
		}(w)
	}
	wg.Wait()
}
