package accounts

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/xuri/excelize/v2"

	"zhibu/app/imports"
	"zhibu/app/web"
)

// rosterTemplate builds the import template: the header with one example row, and a
// sheet 填写说明 listing the rules and the valid branch kinds.
func rosterTemplate() ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "花名册"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	head := make([]any, len(rosterColumns))
	for i, c := range rosterColumns {
		head[i] = c.Name
	}
	f.SetSheetRow(sheet, "A1", &head)
	f.SetSheetRow(sheet, "A2", &[]any{"城关镇", "红星村党支部", "农村", "张建国", "13800138000", "书记"})
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Color: "FFFFFF"},
		Fill: excelize.Fill{Type: "pattern", Color: []string{"C8102E"}, Pattern: 1}})
	f.SetCellStyle(sheet, "A1", "F1", bold)
	// Phone numbers as text, so Excel neither rounds them nor shows 1.38E+10.
	text, _ := f.NewStyle(&excelize.Style{NumFmt: 49})
	f.SetColStyle(sheet, "E", text)
	for col, w := range map[string]float64{"A": 14, "B": 28, "C": 12, "D": 12, "E": 16, "F": 12} {
		f.SetColWidth(sheet, col, col, w)
	}
	f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})

	const help = "填写说明"
	f.NewSheet(help)
	lines := [][]any{
		{"列名", "是否必填", "说明"},
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
	for i, l := range lines {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		f.SetSheetRow(help, cell, &l)
	}
	f.SetCellStyle(help, "A1", "C1", bold)
	f.SetColWidth(help, "A", "A", 12)
	f.SetColWidth(help, "B", "B", 10)
	f.SetColWidth(help, "C", "C", 80)
	f.SetActiveSheet(0)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Credential is a new account's initial password, handed out once.
type Credential struct {
	Township string `json:"township"`
	Branch   string `json:"branch"`
	Name     string `json:"name"`
	Phone    string `json:"phone"`
	Password string `json:"password"`
}

// credentialsWorkbook writes 初始密码表.xlsx (streamed: a county may import thousands).
func credentialsWorkbook(creds []Credential) ([]byte, error) {
	f := excelize.NewFile()
	defer f.Close()
	const sheet = "初始密码"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return nil, err
	}
	for col, w := range map[string]float64{"A": 14, "B": 28, "C": 12, "D": 16, "E": 16} {
		f.SetColWidth(sheet, col, col, w)
	}
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return nil, err
	}
	sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
	head := []any{}
	for _, h := range []string{"乡镇", "支部名称", "姓名", "手机号（登录账号）", "初始密码"} {
		head = append(head, excelize.Cell{Value: h, StyleID: bold})
	}
	if err := sw.SetRow("A1", head); err != nil {
		return nil, err
	}
	for i, c := range creds {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		// Names come from the uploaded roster: one that starts like a formula stays text.
		text := web.CellText
		if err := sw.SetRow(cell, []any{text(c.Township), text(c.Branch), text(c.Name), text(c.Phone), text(c.Password)}); err != nil {
			return nil, err
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
