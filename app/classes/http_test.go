package classes

import (
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
	"time"

	"zhibu/app/testdb"
	"zhibu/app/web"
	"zhibu/app/web/webtest"
	"zhibu/app/workbook/workbooktest"
)

func status(t *testing.T, what string, got int, body []byte, want int) {
	t.Helper()
	if got != want {
		t.Errorf("%s: %d, want %d: %.300s", what, got, want, body)
	}
}

// Every API route × role, township scope and bad input; the pages load for their roles.
func TestHTTPRoutesAndRoles(t *testing.T) {
	db := testdb.DB(t)
	c := testdb.MakeCounty(t, db)
	clk := &clock{t: time.Date(2031, 5, 12, 9, 10, 0, 0, web.China)}
	srv := webtest.Server(t, db, web.Config{}, func(s *web.Server) error { return Mount(s, Deps{Now: clk.now}) })
	anon := webtest.New(t, srv.App)
	sec := webtest.AsUser(t, srv, c.Secretaries[0][0])
	outsider := webtest.AsUser(t, srv, c.Secretaries[1][0]) // not in the class
	org := webtest.AsUser(t, srv, c.Organizers[0])
	org2 := webtest.AsUser(t, srv, c.Organizers[1])
	admin := webtest.AsUser(t, srv, c.Admin)

	// Create: staff only, input checked.
	class := map[string]any{"title": "村党组织书记集中轮训班", "kind": "实务", "venue": "县委党校"}
	st, body := sec.JSON("POST", "/api/v1/classes", class)
	status(t, "secretary creates", st, body, 403)
	st, _ = anon.JSON("POST", "/api/v1/classes", class)
	if st != 401 && st != 403 {
		t.Errorf("anonymous creates: %d", st)
	}
	for name, bad := range map[string]map[string]any{
		"no title": {"title": " ", "kind": "实务"}, "kind": {"title": "x", "kind": "理论课"},
		"absence": {"title": "x", "kind": "实务", "absence_num": 8, "absence_den": 7}, "NUL": {"title": "a\x00", "kind": "实务"},
		"type": {"title": 7, "kind": "实务"},
	} {
		st, body := admin.JSON("POST", "/api/v1/classes", bad)
		status(t, "create "+name, st, body, 422)
	}
	st, body = admin.JSON("POST", "/api/v1/classes", class)
	status(t, "admin creates", st, body, 201)
	var cl Class
	webtest.Decode(t, body, &cl)
	base := fmt.Sprintf("/api/v1/classes/%d", cl.ID)
	st, body = org.JSON("POST", "/api/v1/classes", map[string]any{"title": "镇党支部书记培训", "kind": "理论"})
	status(t, "organizer creates", st, body, 201)
	if !strings.Contains(string(body), fmt.Sprintf(`"township_id":%d`, c.Townships[0])) {
		t.Errorf("organizer's class is not the township's: %s", body)
	}

	// Sessions: one running now, one tomorrow.
	st, body = org.JSON("POST", base+"/sessions", map[string]any{"date": "2031-05-12", "start": "09:00", "end": "12:00", "topic": "三会一课", "hours": 3})
	status(t, "organizer adds a session to a county class", st, body, 403)
	for name, bad := range map[string]map[string]any{
		"hours": {"date": "2031-05-12", "start": "09:00", "end": "12:00", "topic": "x", "hours": -1},
		"huge":  {"date": "2031-05-12", "start": "09:00", "end": "12:00", "topic": "x", "hours": 1e9},
		"date":  {"date": "明天", "start": "09:00", "end": "12:00", "topic": "x", "hours": 3},
		"order": {"date": "2031-05-12", "start": "12:00", "end": "09:00", "topic": "x", "hours": 3},
	} {
		st, body := admin.JSON("POST", base+"/sessions", bad)
		status(t, "session "+name, st, body, 422)
	}
	var now, later Session
	st, body = admin.JSON("POST", base+"/sessions", map[string]any{"date": "2031-05-12", "start": "09:00", "end": "12:00", "topic": "三会一课", "hours": 3})
	status(t, "session now", st, body, 201)
	webtest.Decode(t, body, &now)
	st, body = admin.JSON("POST", base+"/sessions", map[string]any{"date": "2031-05-13", "start": "09:00", "end": "12:00", "topic": "发展党员", "hours": 3})
	status(t, "session tomorrow", st, body, 201)
	webtest.Decode(t, body, &later)

	// Participants: the first township only.
	st, body = org2.JSON("POST", base+"/participants", map[string]any{"township_id": c.Townships[0]})
	status(t, "organizer adds another township", st, body, 403)
	st, body = admin.JSON("POST", base+"/participants", map[string]any{"township_id": c.Townships[0]})
	status(t, "admin adds", st, body, 200)
	st, body = admin.JSON("POST", base+"/participants", map[string]any{"people": []string{"没有这个人"}})
	status(t, "nobody matched", st, body, 422)

	// Reading.
	st, body = sec.JSON("GET", "/api/v1/classes", nil)
	if st != 200 || !strings.Contains(string(body), "村党组织书记集中轮训班") {
		t.Errorf("participant's list: %d %s", st, body)
	}
	st, body = outsider.JSON("GET", base, nil)
	status(t, "non-participant reads the class", st, body, 404)
	st, body = sec.JSON("GET", base, nil)
	status(t, "participant reads", st, body, 200)
	st, body = org2.JSON("GET", base+"/participants", nil)
	if st != 200 || !strings.Contains(string(body), `"total":0`) {
		t.Errorf("other township's organizer sees participants: %d %s", st, body)
	}
	st, body = sec.JSON("GET", base+"/participants", nil)
	status(t, "secretary lists participants", st, body, 403)

	// Roll call.
	att := base + fmt.Sprintf("/sessions/%d/attendance", now.ID)
	one := func(uid int64, s string) map[string]any {
		return map[string]any{"records": []map[string]any{{"user_id": uid, "status": s}}}
	}
	st, body = org.JSON("PUT", att, one(c.Secretaries[0][1], "absent"))
	status(t, "organizer marks own township", st, body, 200)
	st, body = org2.JSON("PUT", att, one(c.Secretaries[0][1], "present"))
	status(t, "organizer marks another township", st, body, 403)
	st, body = admin.JSON("PUT", att, one(c.Secretaries[1][0], "present"))
	status(t, "mark a non-participant", st, body, 404)
	st, body = admin.JSON("PUT", att, one(c.Secretaries[0][1], "here"))
	status(t, "bad status", st, body, 422)
	st, body = admin.JSON("PUT", att, map[string]any{"records": []any{}})
	status(t, "empty roll call", st, body, 422)
	st, body = admin.JSON("PUT", base+fmt.Sprintf("/sessions/%d/attendance", later.ID), one(c.Secretaries[0][1], "present"))
	status(t, "roll call before the session", st, body, 409)
	st, body = sec.JSON("PUT", att, one(c.Secretaries[0][0], "present"))
	status(t, "secretary marks", st, body, 403)
	st, body = admin.JSON("PUT", base+"/sessions/999999999/attendance", one(c.Secretaries[0][1], "present"))
	status(t, "forged session", st, body, 404)

	// Check-in.
	st, body = sec.JSON("POST", base+fmt.Sprintf("/sessions/%d/checkin-token", now.ID), nil)
	status(t, "secretary makes a token", st, body, 403)
	st, body = org.JSON("POST", base+fmt.Sprintf("/sessions/%d/checkin-token", now.ID), nil)
	status(t, "organizer makes a token", st, body, 200)
	var tok struct {
		URL string `json:"url"`
	}
	webtest.Decode(t, body, &tok)
	token := tok.URL[strings.LastIndex(tok.URL, "/")+1:]
	st, body = sec.JSON("POST", "/api/v1/checkin/"+token, nil)
	if st != 200 || !strings.Contains(string(body), `"recorded":true`) {
		t.Errorf("check-in: %d %s", st, body)
	}
	st, body = sec.JSON("POST", "/api/v1/checkin/"+token, nil)
	if st != 200 || !strings.Contains(string(body), `"recorded":false`) {
		t.Errorf("replayed check-in: %d %s", st, body)
	}
	st, body = outsider.JSON("POST", "/api/v1/checkin/"+token, nil)
	status(t, "non-participant checks in", st, body, 404)
	for _, forged := range []string{"abc", url.PathEscape(fmt.Sprintf("%d.9999999999.AAAA", now.ID)), strings.Repeat("9", 150)} {
		st, body = sec.JSON("POST", "/api/v1/checkin/"+forged, nil)
		status(t, "forged token "+forged[:3], st, body, 400)
	}

	// Leave.
	st, body = sec.JSON("POST", base+fmt.Sprintf("/sessions/%d/leave", now.ID), map[string]any{"reason": "家中有事"})
	status(t, "leave after the start", st, body, 409)
	st, body = sec.JSON("POST", base+fmt.Sprintf("/sessions/%d/leave", later.ID), map[string]any{"reason": " "})
	status(t, "leave without reason", st, body, 422)
	st, body = sec.JSON("POST", base+fmt.Sprintf("/sessions/%d/leave", later.ID), map[string]any{"reason": "村里换届"})
	status(t, "leave", st, body, 201)
	var leave struct {
		ID int64 `json:"id"`
	}
	webtest.Decode(t, body, &leave)
	st, body = org.JSON("POST", base+fmt.Sprintf("/sessions/%d/leave", later.ID), map[string]any{"reason": "x"})
	status(t, "organizer asks leave", st, body, 403)
	decide := base + fmt.Sprintf("/leaves/%d/decide", leave.ID)
	st, body = org2.JSON("POST", decide, map[string]any{"approve": true})
	status(t, "other township decides", st, body, 403)
	st, body = org.JSON("POST", decide, map[string]any{})
	status(t, "decide without a choice", st, body, 422)
	st, body = org.JSON("POST", decide, map[string]any{"approve": true})
	status(t, "decide", st, body, 200)
	st, body = org.JSON("POST", decide, map[string]any{"approve": false})
	status(t, "decide twice", st, body, 409)

	// Pages.
	for _, p := range []struct {
		cl   *webtest.Client
		path string
		want int
		text string
	}{
		{sec, "/classes", 200, "村党组织书记集中轮训班"},
		{sec, fmt.Sprintf("/classes/%d", cl.ID), 200, "请假和缺勤合计不能超过"},
		{outsider, fmt.Sprintf("/classes/%d", cl.ID), 404, ""},
		{sec, "/admin/classes", 403, ""},
		{org, "/admin/classes", 200, "村党组织书记集中轮训班"},
		{org, fmt.Sprintf("/admin/classes/%d", cl.ID), 200, "请假"},
		{admin, fmt.Sprintf("/admin/classes/%d", cl.ID), 200, "2 人（还有 2 人）"},
		{org, fmt.Sprintf("/admin/classes/%d/sessions/%d", cl.ID, now.ID), 200, "未点名的全部记为出勤"},
		{org, fmt.Sprintf("/admin/classes/%d/sessions/%d", cl.ID, later.ID), 200, "还没开始"},
		{org, fmt.Sprintf("/admin/classes/%d/sessions/%d/qr", cl.ID, now.ID), 200, "data:image/png;base64,"},
		{org, fmt.Sprintf("/admin/classes/%d/close", cl.ID), 403, ""},
		{admin, fmt.Sprintf("/admin/classes/%d/close", cl.ID), 200, "确定结班"},
		{sec, "/checkin/" + token, 200, "确认签到"},
		{admin, "/admin/classes/new", 200, "1/7"},
	} {
		st, page := p.cl.Get(p.path)
		if st != p.want || !strings.Contains(page, p.text) {
			t.Errorf("GET %s: %d, want %d with %q", p.path, st, p.want, p.text)
		}
	}

	// 结班: the class's manager only, idempotent; nothing changes afterwards.
	st, body = org.JSON("POST", base+"/close", nil)
	status(t, "organizer closes a county class", st, body, 403)
	st, body = admin.JSON("POST", base+"/close", nil)
	if st != 200 || !strings.Contains(string(body), `"participants":4`) {
		t.Errorf("close: %d %s", st, body)
	}
	st, body = admin.JSON("POST", base+"/close", nil)
	if st != 200 || !strings.Contains(string(body), `"already_closed":true`) {
		t.Errorf("close twice: %d %s", st, body)
	}
	st, body = admin.JSON("PUT", att, one(c.Secretaries[0][1], "present"))
	status(t, "roll call after 结班", st, body, 409)
	// The attendance workbook, read back by openpyxl: one row per participant the caller
	// manages, a mark per session, the 学时 attended and 结业; printable.
	st, body = sec.JSON("GET", base+"/attendance.xlsx", nil)
	status(t, "secretary downloads attendance", st, body, 403)
	resp := org2.Do("GET", base+"/attendance.xlsx", nil, "")
	if resp.StatusCode != 200 {
		t.Fatalf("other township's attendance: %d", resp.StatusCode)
	}
	resp = admin.Do("GET", base+"/attendance.xlsx", nil, "")
	data, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("attendance.xlsx: %d %s", resp.StatusCode, data)
	}
	sheets := workbooktest.Read(t, data)
	sh := sheets["考勤"]
	workbooktest.PrintReady(t, "考勤", sh, true, 2)
	if len(sh.Rows) != 2+4 || !strings.Contains(strings.Join(sh.Rows[1], "|"), "第1节 5月12日|第2节 5月13日|出勤学时|请假缺勤学时|结业") {
		t.Fatalf("attendance sheet: %v", sh.Rows)
	}
	var mine []string
	for _, r := range sh.Rows[2:] {
		if strings.Contains(strings.Join(r, "|"), "|出勤|请假|3|3|") {
			mine = r
		}
	}
	if mine == nil || !strings.HasPrefix(mine[len(mine)-1], "未结业") {
		t.Errorf("the secretary's row (checked in, then on leave): %v", sh.Rows[2:])
	}

	var credited int
	testdb.Get(t, db, &credited, `SELECT count(*) FROM hour_credits WHERE source = 'class' AND source_id = $1`, cl.ID)
	if credited != 1 { // only the secretary who checked in attended (3 of 6 学时); absence earns nothing
		t.Errorf("%d ledger entries after 结班", credited)
	}
}
