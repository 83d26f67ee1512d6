package accounts

import (
	"strings"
	"unicode/utf8"

	"zhibu/app/web"
)

// Request shapes of accounts and their checks. A Validate trims the input in place and
// answers nil or a *web.InputError (errors.go invalid) naming the fields.

// TownshipInput is a new township.
type TownshipInput struct {
	Name string `json:"name"`
}

func (in *TownshipInput) Validate() error {
	name, ok := oneLine(in.Name)
	if !ok {
		return invalid(controlCharsMsg("乡镇名称"), map[string]string{"name": "含有控制字符"})
	}
	if name == "" || utf8.RuneCountInString(name) > 50 {
		return invalid("请填写乡镇名称（不超过 50 个字）", map[string]string{"name": "必填，不超过 50 个字"})
	}
	in.Name = name
	return nil
}

// BranchInput is a new branch; Kind may be an alias (normalizeKind).
type BranchInput struct {
	TownshipID int64  `json:"township_id"`
	Name       string `json:"name"`
	Kind       string `json:"kind"`
}

func (in *BranchInput) Validate() error {
	name, ok := oneLine(in.Name)
	k := normalizeKind(in.Kind)
	fields := map[string]string{}
	if !ok {
		fields["name"] = controlCharsMsg("支部名称")
	} else if name == "" || utf8.RuneCountInString(name) > maxBranchLen {
		fields["name"] = "请填写支部名称（不超过 100 个字）"
	}
	if k == "" {
		fields["kind"] = "支部类型应为：" + strings.Join(BranchKinds, "、")
	}
	if len(fields) > 0 {
		return invalid(firstField(fields, "name", "kind"), fields)
	}
	in.Name, in.Kind = name, k
	return nil
}

// BranchEdit is an edit of a branch (PUT /api/v1/branches/:id, the branch form): a
// field left out keeps its value.
type BranchEdit struct {
	Name *string `json:"name"`
	Kind *string `json:"kind"`
}

// over applies the edit to a branch.
func (e BranchEdit) over(b *Branch) BranchInput {
	in := BranchInput{TownshipID: b.TownshipID, Name: b.Name, Kind: b.Kind}
	if e.Name != nil {
		in.Name = *e.Name
	}
	if e.Kind != nil {
		in.Kind = *e.Kind
	}
	return in
}

// UserInput is the body of a user create or edit (the JSON API and the user form): on an
// edit, a field left out keeps its value.
type UserInput struct {
	Username   *string `json:"username"`
	Phone      *string `json:"phone"`
	Name       *string `json:"name"`
	Role       *string `json:"role"`
	TownshipID *int64  `json:"township_id"`
	BranchID   *int64  `json:"branch_id"`
	Title      *string `json:"title"`
	Active     *bool   `json:"active"`
}

// apply sets the fields the input carries on a user record.
func (p UserInput) apply(r *userRecord) {
	set := func(dst *string, v *string) {
		if v != nil {
			*dst = *v
		}
	}
	set(&r.Username, p.Username)
	set(&r.Phone, p.Phone)
	set(&r.Name, p.Name)
	set(&r.Role, p.Role)
	set(&r.Title, p.Title)
	if p.TownshipID != nil {
		r.TownshipID = *p.TownshipID
	}
	if p.BranchID != nil {
		r.BranchID = *p.BranchID
	}
	if p.Active != nil {
		r.Active = *p.Active
	}
}

// userRecord is a user as created or edited by an administrator, and what the user form
// shows and posts (ID is 0 for a new user).
type userRecord struct {
	ID         int64
	Username   string
	Phone      string
	Name       string
	Role       string
	TownshipID int64
	BranchID   int64
	Title      string
	Active     bool
}

func recordOf(u *User) userRecord {
	r := userRecord{ID: u.ID, Username: u.Username, Name: u.Name, Role: u.Role, Title: u.Title, Active: u.Active}
	if u.Phone != nil {
		r.Phone = *u.Phone
	}
	if u.TownshipID != nil {
		r.TownshipID = *u.TownshipID
	}
	if u.BranchID != nil {
		r.BranchID = *u.BranchID
	}
	return r
}

// validate checks a user record's fields, normalizing its login names, name and title,
// within the powers of the caller: only admins create or edit organizers and admins.
func (r *userRecord) validate(me *web.Identity) error {
	ids, fields := checkIdentifiers(r.Username, r.Phone)
	r.Username, r.Phone = ids.Username, ids.Phone
	var nameOK, titleOK bool
	r.Name, nameOK = oneLine(r.Name)
	r.Title, titleOK = oneLine(r.Title)
	switch {
	case !nameOK:
		fields["name"] = controlCharsMsg("姓名")
	case r.Name == "" || utf8.RuneCountInString(r.Name) > maxNameLen:
		fields["name"] = "请填写姓名（不超过 50 个字）"
	}
	switch {
	case !titleOK:
		fields["title"] = controlCharsMsg("职务")
	case utf8.RuneCountInString(r.Title) > maxTitleLen:
		fields["title"] = "职务不超过 50 个字"
	}
	switch r.Role {
	case web.RoleSecretary, web.RoleOrganizer, web.RoleAdmin:
	default:
		fields["role"] = "角色应为 secretary、organizer 或 admin"
	}
	if me.Role != web.RoleAdmin && r.Role != web.RoleSecretary && fields["role"] == "" {
		return ErrOrganizerOnlySecretaries
	}
	if r.Role == web.RoleSecretary && r.Phone == "" && fields["phone"] == "" {
		fields["phone"] = "支部书记须填写手机号（用于登录）"
	}
	if len(fields) > 0 {
		return invalid(firstField(fields, "name", "phone", "username", "role", "title"), fields)
	}
	return nil
}

// firstField is the message of the first field, in order, that has one.
func firstField(fields map[string]string, order ...string) string {
	for _, k := range order {
		if v, ok := fields[k]; ok {
			return v
		}
	}
	return "提交的内容有误，请检查后重试"
}
