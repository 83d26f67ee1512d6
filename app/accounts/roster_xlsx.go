package accounts

import (
	"fmt"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"zhibu/app/imports"
	"zhibu/app/web"
	"zhibu/app/workbook"
)

// Columns the template adds after the roster's own, which the import ignores.
const colNote = "备注"

// rosterExample is the template's example row: grey, its name marked 「示例：」 so the
// import skips it (isExampleRow) even when the user leaves it in.
var rosterExample = []string{"城关镇", "红星村党支部", "农村", exampleMark + "张三", "13800138000", "书记", "示例行，导入时自动跳过"}

// rosterTemplate builds the import template: the header with one grey example row, and a
// sheet 填写说明 listing the rules and the valid branch kinds.
func rosterTemplate() ([]byte, error) {
	b, err := workbook.New()
	if err != nil {
		return nil, err
	}
	defer b.Close()
	head := make([]string, 0, len(rosterColumns)+1)
	for _, c := range rosterColumns {
		head = append(head, c.Name)
	}
	head = append(head, colNote)
	// The example's grey, with the phone kept as text like the column's.
	grey := excelize.Style{Font: &excelize.Font{Family: "宋体", Size: 11, Color: "8C8C8C", Italic: true},
		Border: []excelize.Border{{Type: "left", Color: "A6A6A6", Style: 1}, {Type: "right", Color: "A6A6A6", Style: 1},
			{Type: "top", Color: "A6A6A6", Style: 1}, {Type: "bottom", Color: "A6A6A6", Style: 1}}, NumFmt: 49}
	example, err := b.F.NewStyle(&grey)
	if err != nil {
		return nil, err
	}
	text, phone := b.Styles.Text, b.Styles.TextCell
	// Phone numbers as text, so Excel neither rounds them nor shows 1.38E+10.
	err = b.Stream(workbook.Table{Sheet: "花名册", Headers: head, Widths: []float64{14, 28, 12, 14, 16, 12, 26},
		ColStyles: []int{text, text, text, text, phone, text, text}}, 1, func(int) []any {
		row := make([]any, len(rosterExample))
		for i, v := range rosterExample {
			row[i] = excelize.Cell{StyleID: example, Value: v}
		}
		return row
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
		{"备注", "选填", "不导入，可写给自己看的说明"},
		{},
		{"规则", "", "第一行为表头，列的顺序可以调整，多余的列会被忽略"},
		{"", "", "第 2 行灰色的是示例行（姓名以“示例：”开头），导入时自动跳过，可以删除也可以保留；请从第 3 行起填写"},
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
