package accounts

import (
	"fmt"
	"strings"
	"time"

	"zhibu/app/imports"
	"zhibu/app/web"
	"zhibu/app/workbook"
)

// rosterTemplate builds the import template: the header with one example row, and a
// sheet 填写说明 listing the rules and the valid branch kinds.
func rosterTemplate() ([]byte, error) {
	b, err := workbook.New()
	if err != nil {
		return nil, err
	}
	defer b.Close()
	head := make([]string, len(rosterColumns))
	for i, c := range rosterColumns {
		head[i] = c.Name
	}
	text, phone := b.Styles.Text, b.Styles.TextCell
	// Phone numbers as text, so Excel neither rounds them nor shows 1.38E+10.
	err = b.Stream(workbook.Table{Sheet: "花名册", Headers: head, Widths: []float64{14, 28, 12, 12, 16, 12},
		ColStyles: []int{text, text, text, text, phone, text}}, 1, func(int) []any {
		return []any{"城关镇", "红星村党支部", "农村", "张建国", "13800138000", "书记"}
	})
	if err != nil {
		return nil, err
	}
	lines := [][]any{
		{"乡镇", "必填", "须与系统中的乡镇（街道）名称完全一致"},
		{"支部名称", "必填", "支部不存在时会自动创建"},
		{"支部类型", "必填", "可填：" + strings.Join(BranchKinds, "、") + "（也可写“农村党支部”“村”“社区党支部”“学校/事业单位”等）"},
		{"姓名", "必填", "支部书记姓名"},
		{"手机号", "必填", "1 开头的 11 位手机号，作为登录账号；每人一行，同一文件中不能重复"},
		{"职务", "选填", "不填默认为“书记”"},
		{},
		{"规则", "", "第一行为表头，列的顺序可以调整，多余的列会被忽略"},
		{"", "", "同一手机号再次导入时更新此人的姓名、支部和职务，不会重复创建账号"},
		{"", "", "新账号的初始密码只在导入完成时下载一次（初始密码表.xlsx），首次登录须修改密码"},
		{"", "", "文件中只要有一处错误，整个文件都不会导入；请按预览中的提示改正后重新上传"},
		{"", "", "单元格中不能有公式或合并单元格（公式请“选择性粘贴为数值”）"},
		{"", "", fmt.Sprintf("一次最多导入 %d 行，文件不超过 %d MB", imports.MaxRows, imports.MaxFileBytes>>20)},
	}
	err = b.Stream(workbook.Table{Sheet: "填写说明", Headers: []string{"列名", "是否必填", "说明"}, Widths: []float64{12, 10, 80},
		ColStyles: []int{b.Styles.Wrap, b.Styles.Wrap, b.Styles.Wrap}}, len(lines), func(i int) []any { return lines[i] })
	if err != nil {
		return nil, err
	}
	return b.Bytes()
}

// Credential is a new account's initial password, handed out once.
type Credential struct {
	Township string `json:"township"`
	Branch   string `json:"branch"`
	Name     string `json:"name"`
	Phone    string `json:"phone"`
	Password string `json:"password"`
}

// credentialsWorkbook writes 初始密码表.xlsx (streamed: a county may import thousands),
// ready to print and hand out: A4 landscape, under a title naming its scope (the one
// township of every account, or 全县), year and export time, the header on every page,
// page numbers.
func credentialsWorkbook(creds []Credential, at time.Time) ([]byte, error) {
	b, err := workbook.New()
	if err != nil {
		return nil, err
	}
	defer b.Close()
	scope := "全县"
	for i, c := range creds {
		if i == 0 {
			scope = c.Township
		} else if c.Township != scope {
			scope = "全县"
			break
		}
	}
	local := at.In(web.China)
	title := fmt.Sprintf("%s %d 年新账号初始密码（%d 人，导出时间：%s，首次登录须修改密码）", scope, local.Year(), len(creds),
		local.Format("2006-01-02 15:04"))
	text := b.Styles.Text
	// Names come from the uploaded roster: Stream keeps one that starts like a formula as text.
	err = b.Stream(workbook.Table{Sheet: "初始密码", Title: title, Headers: []string{"乡镇", "支部名称", "姓名", "手机号（登录账号）", "初始密码"},
		Widths: []float64{14, 28, 12, 18, 16}, ColStyles: []int{text, text, text, text, text}}, len(creds), func(i int) []any {
		c := creds[i]
		return []any{c.Township, c.Branch, c.Name, c.Phone, c.Password}
	})
	if err != nil {
		return nil, err
	}
	return b.Bytes()
}
