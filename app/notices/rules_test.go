package notices

import (
	"errors"
	"slices"
	"testing"

	"zhibu/app/web"
)

// Who may address which townships: the county anyone, a township only itself.
func TestAudienceFor(t *testing.T) {
	cases := []struct {
		name  string
		owner int64
		all   bool
		ids   []int64
		want  Audience
		err   error
	}{
		{"county to everyone", 0, true, nil, Audience{All: true}, nil},
		{"county to everyone ignores a list", 0, true, []int64{3}, Audience{All: true}, nil},
		{"county to chosen townships, sorted and distinct", 0, false, []int64{3, 1, 3}, Audience{TownshipIDs: []int64{1, 3}}, nil},
		{"county to nobody", 0, false, nil, Audience{}, ErrNoAudience},
		{"county to a forged id", 0, false, []int64{-1}, Audience{}, ErrUnknownTownship},
		{"county to zero", 0, false, []int64{0}, Audience{}, ErrUnknownTownship},
		{"township without a choice: itself", 5, false, nil, Audience{TownshipIDs: []int64{5}}, nil},
		{"township to itself", 5, false, []int64{5, 5}, Audience{TownshipIDs: []int64{5}}, nil},
		{"township to everyone", 5, true, nil, Audience{}, ErrOutsideScope},
		{"township to another", 5, false, []int64{6}, Audience{}, ErrOutsideScope},
		{"township to itself and another", 5, false, []int64{5, 6}, Audience{}, ErrOutsideScope},
	}
	for _, tc := range cases {
		got, err := AudienceFor(tc.owner, tc.all, tc.ids)
		if !errors.Is(err, tc.err) {
			t.Errorf("%s: error %v, want %v", tc.name, err, tc.err)
			continue
		}
		if err == nil && (got.All != tc.want.All || !slices.Equal(got.TownshipIDs, tc.want.TownshipIDs)) {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

// Who publishes, who manages, who reads.
func TestScopeRules(t *testing.T) {
	admin := &web.Identity{Role: web.RoleAdmin}
	org1 := &web.Identity{Role: web.RoleOrganizer, TownshipID: 1}
	org2 := &web.Identity{Role: web.RoleOrganizer, TownshipID: 2}
	sec1 := &web.Identity{Role: web.RoleSecretary, TownshipID: 1}
	sec2 := &web.Identity{Role: web.RoleSecretary, TownshipID: 2}

	for _, tc := range []struct {
		me   *web.Identity
		want bool
	}{{admin, true}, {org1, true}, {sec1, false}, {nil, false}} {
		if got := CanPublish(tc.me); got != tc.want {
			t.Errorf("CanPublish(%v) = %v", tc.me, got)
		}
	}
	if OwnerOf(admin) != 0 || OwnerOf(org1) != 1 {
		t.Errorf("OwnerOf: admin %d, organizer %d", OwnerOf(admin), OwnerOf(org1))
	}

	county := Audience{All: true}
	only1 := Audience{TownshipIDs: []int64{1}}
	only2 := Audience{TownshipIDs: []int64{2}}
	cases := []struct {
		name      string
		me        *web.Identity
		owner     int64
		aud       Audience
		published bool
		read      bool
		manage    bool
	}{
		{"admin, county notice", admin, 0, county, true, true, true},
		{"admin, county draft", admin, 0, county, false, true, true},
		{"admin, township notice", admin, 1, only1, true, true, true},
		{"organizer, county notice to all", org1, 0, county, true, true, false},
		{"organizer, county notice to own township", org1, 0, only1, true, true, false},
		{"organizer, county notice to another township", org1, 0, only2, true, false, false},
		{"organizer, county draft", org1, 0, county, false, false, false},
		{"organizer, own township's notice", org1, 1, only1, true, true, true},
		{"organizer, own township's draft", org1, 1, only1, false, true, true},
		{"organizer, another township's notice", org2, 1, only1, true, false, false},
		{"secretary, county notice to all", sec1, 0, county, true, true, false},
		{"secretary, county notice to own township", sec1, 0, only1, true, true, false},
		{"secretary, county notice to another", sec2, 0, only1, true, false, false},
		{"secretary, own township's notice", sec1, 1, only1, true, true, false},
		{"secretary, own township's draft", sec1, 1, only1, false, false, false},
		{"secretary, another township's notice", sec2, 1, only1, true, false, false},
		{"nobody", nil, 0, county, true, false, false},
	}
	for _, tc := range cases {
		if got := CanRead(tc.me, tc.owner, tc.aud, tc.published); got != tc.read {
			t.Errorf("%s: CanRead = %v, want %v", tc.name, got, tc.read)
		}
		if got := CanManage(tc.me, tc.owner); got != tc.manage {
			t.Errorf("%s: CanManage = %v, want %v", tc.name, got, tc.manage)
		}
	}
}

func TestNoticeInputValidate(t *testing.T) {
	long := func(n int) string { return repeat("长", n) }
	cases := []struct {
		in    NoticeInput
		field string // "" when valid
	}{
		{NoticeInput{Title: "  轮训通知  ", Body: "正文"}, ""},
		{NoticeInput{Title: "   "}, "title"},
		{NoticeInput{Title: long(100), Body: long(20000)}, ""},
		{NoticeInput{Title: long(101)}, "title"},
		{NoticeInput{Title: "a\x00b"}, "title"},
		{NoticeInput{Title: "换\n行"}, "title"},
		{NoticeInput{Title: "\u202e反转"}, "title"},
		{NoticeInput{Title: "好", Body: long(20001)}, "body"},
		{NoticeInput{Title: "好", Body: "正\x00文"}, "body"},
		{NoticeInput{Title: "好", Body: "多\n行\t文字\r\n"}, ""},
	}
	for _, tc := range cases {
		err := tc.in.Validate()
		var fe web.FieldErrors
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%q: unexpected %v", tc.in.Title, err)
		case tc.field != "" && (!errors.As(err, &fe) || fe[tc.field] == ""):
			t.Errorf("%q: want an error naming %s, got %v", tc.in.Title, tc.field, err)
		}
	}
}

func repeat(s string, n int) string {
	out := make([]byte, 0, len(s)*n)
	for i := 0; i < n; i++ {
		out = append(out, s...)
	}
	return string(out)
}

func TestCheckPDF(t *testing.T) {
	pdf := []byte("%PDF-1.4\n%%EOF")
	exe := append([]byte("MZ\x90\x00"), make([]byte, 12)...)
	cases := []struct {
		name, file string
		data       []byte
		err        error
	}{
		{"a PDF", "计划.pdf", pdf, nil},
		{"an exe renamed", "计划.pdf", exe, ErrNotPDF},
		{"empty", "计划.pdf", nil, ErrNotPDF},
		{"text", "a.pdf", []byte("hello %PDF-"), ErrNotPDF},
		{"too large", "big.pdf", append(pdf, make([]byte, 64)...), ErrTooLarge},
		{"no name", " ", pdf, ErrBadFilename},
		{"NUL in name", "a\x00.pdf", pdf, ErrFilenameText},
	}
	for _, tc := range cases {
		if err := CheckPDF(tc.file, tc.data, int64(len(pdf)+10)); !errors.Is(err, tc.err) {
			t.Errorf("%s: %v, want %v", tc.name, err, tc.err)
		}
	}
}
