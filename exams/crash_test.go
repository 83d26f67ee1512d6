package exams

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"zhibu/app/testdb"
	"zhibu/app/web"
)

// An acknowledged save is durable: kill -9 the real server right after the 200 and
// start it again; the answer is there and the attempt resumes with the same deadline.
func TestAckedSaveSurvivesKill9(t *testing.T) {
	e := newEnv(t)
	examID := e.exam(t, nil)
	user := e.county.Secretaries[1][0]
	token, csrf, err := e.srv.Sessions.Create(context.Background(), user, "127.0.0.1", "crash-test")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "zhibu")
	build := exec.Command("go", "build", "-o", bin, "../app")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build app: %v\n%s", err, out)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	startServer := func() *exec.Cmd {
		cmd := exec.Command(bin, "serve")
		cmd.Env = append(os.Environ(), "DATABASE_URL="+testdb.URL(t), "ZHIBU_LISTEN="+addr, "ZHIBU_LOG_LEVEL=warn")
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 200; i++ {
			if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
				resp.Body.Close()
				return cmd
			}
			time.Sleep(50 * time.Millisecond)
		}
		cmd.Process.Kill()
		t.Fatal("server did not start")
		return nil
	}
	call := func(method, path string, body any) (int, []byte) {
		var r io.Reader
		if body != nil {
			b, _ := json.Marshal(body)
			r = bytes.NewReader(b)
		}
		req, _ := http.NewRequest(method, "http://"+addr+path, r)
		req.Header.Set("Cookie", web.SessionCookie+"="+token)
		req.Header.Set("X-CSRF-Token", csrf)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, out
	}

	srv := startServer()
	st, body := call("POST", fmt.Sprintf("/api/v1/exams/%d/attempts", examID), nil)
	if st != 201 {
		srv.Process.Kill()
		t.Fatalf("start: %d %s", st, body)
	}
	var a attemptJSON
	json.Unmarshal(body, &a)
	st, body = call("PUT", fmt.Sprintf("/api/v1/attempts/%d/answers/3", a.ID), map[string]any{"answer": []string{"B"}})
	if st != 200 {
		srv.Process.Kill()
		t.Fatalf("save: %d %s", st, body)
	}
	// A batch (the page's offline queue) acknowledged just before the kill: every answer in it.
	batch := []map[string]any{{"position": 1, "answer": []string{"A"}}, {"position": 2, "answer": []string{"B"}}, {"position": 4, "answer": []string{"A"}}}
	st, body = call("PUT", fmt.Sprintf("/api/v1/attempts/%d/answers", a.ID), map[string]any{"answers": batch})
	if st != 200 {
		srv.Process.Kill()
		t.Fatalf("batch save: %d %s", st, body)
	}
	srv.Process.Signal(syscall.SIGKILL) // no graceful shutdown
	srv.Wait()

	srv = startServer()
	defer func() { srv.Process.Kill(); srv.Wait() }()
	st, body = call("POST", fmt.Sprintf("/api/v1/exams/%d/attempts", examID), nil)
	var b attemptJSON
	json.Unmarshal(body, &b)
	if st != 200 || b.ID != a.ID || !b.Deadline.Equal(a.Deadline) {
		t.Fatalf("resume after kill: %d id %d/%d deadline %v/%v", st, b.ID, a.ID, b.Deadline, a.Deadline)
	}
	for i, want := range []string{"A", "B", "B", "A"} {
		if got := strings.Join(b.Items[i].Answer, ""); got != want {
			t.Fatalf("answer %d after kill -9 = %q, want %s", i+1, got, want)
		}
	}
}
