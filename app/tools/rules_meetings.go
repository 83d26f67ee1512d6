package tools

// The 会议记录清单: what each of the six meetings of a branch is, how often it is held,
// who attends, its usual procedure and what its record must hold. Static data, taken
// only from the ✅ facts of the project's domain notes (§2, §3) and worded like the
// lessons 「三会一课与主题党日」 and 「组织生活会与民主评议党员」.
//
// What the facts state is a rule and names its source (document + article where the
// facts give one). What they do not state is marked Practice (「常见做法」): shown as
// usual practice, never as a rule. A frequency the facts leave open (党课) is shown as
// meetingLocalRule.

// The document most meeting rules come from.
const meetingDoc = "《中国共产党支部工作条例（试行）》"

// meetingLocalRule is what a page says where the rule differs from place to place.
const meetingLocalRule = "各地规定不同，请按本地要求"

// MeetingSource is where a rule comes from.
type MeetingSource struct {
	Doc     string `json:"doc"`
	Article string `json:"article,omitempty"` // "" when the facts give no article
	Point   string `json:"point"`             // what it says, in brief
}

// MeetingStep is one step of a meeting's procedure.
type MeetingStep struct {
	Text     string `json:"text"`
	Practice bool   `json:"practice"` // common practice, not a rule
}

// RecordElement is one thing a meeting's record holds, printed as a labelled blank.
type RecordElement struct {
	Label    string `json:"label"`
	Lines    int    `json:"lines"`    // blank lines on the printed form (1: a short field)
	IfAny    bool   `json:"if_any"`   // 「（如有）」: only when the meeting has it
	Practice bool   `json:"practice"` // common practice, not among the facts' record elements
	When     string `json:"when,omitempty"`
}

// Meeting is one kind of branch meeting.
type Meeting struct {
	Key       string          `json:"key"`
	Name      string          `json:"name"`
	Frequency string          `json:"frequency"` // meetingLocalRule when the facts leave it open
	Attendees string          `json:"attendees"`
	Content   string          `json:"content,omitempty"`
	Topic     string          `json:"-"` // the lesson topic (courses/demo front matter)
	Lesson    string          `json:"-"` // the lesson's title, for the link text
	Sources   []MeetingSource `json:"sources"`
	Steps     []MeetingStep   `json:"steps"`
	Elements  []RecordElement `json:"elements"`
	Notes     []string        `json:"notes,omitempty"`
}

// FrequencyIsLocal tells whether the frequency is left to local rules.
func (m Meeting) FrequencyIsLocal() bool { return m.Frequency == meetingLocalRule }

// Keys of the six meetings (URL path segments and duty item codes).
const (
	MeetingCongress  = "dydh"  // 支部党员大会
	MeetingCommittee = "zwh"   // 支部委员会会议
	MeetingGroup     = "dxzh"  // 党小组会
	MeetingLecture   = "dk"    // 党课
	MeetingReview    = "zzshh" // 组织生活会
	MeetingThemeDay  = "ztdr"  // 主题党日
)

// recordBasis says where the record elements come from: the facts give them as the
// usual requirements of a meeting record, without a document and article.
const recordBasis = "会议记录要素：会议时间、地点、主持人、记录人，应到、实到、缺席人数及缺席原因，列席人员，议题，发言要点（包括不同意见），决议内容，表决方式和结果；记录存档备查。"

// recordElements are the facts' record elements (§2 「会议记录要素」), in order;
// decisions marks 决议 and 表决 as 「如有」 for meetings that usually decide nothing.
func recordElements(decisions bool) []RecordElement {
	return []RecordElement{
		{Label: "会议时间", Lines: 1},
		{Label: "会议地点", Lines: 1},
		{Label: "主持人", Lines: 1},
		{Label: "记录人", Lines: 1},
		{Label: "应到人数", Lines: 1},
		{Label: "实到人数", Lines: 1},
		{Label: "缺席人数及缺席原因", Lines: 2},
		{Label: "列席人员", Lines: 1},
		{Label: "议题", Lines: 3},
		{Label: "发言要点（包括不同意见）", Lines: 8},
		{Label: "决议内容", Lines: 3, IfAny: !decisions},
		{Label: "表决方式和结果（赞成、反对、弃权）", Lines: 2, IfAny: !decisions},
	}
}

// Meetings are the six kinds, in the order of the lessons.
var Meetings = []Meeting{
	{
		Key: MeetingCongress, Name: "支部党员大会",
		Frequency: "一般每季度召开1次",
		Attendees: "全体党员。由书记召集并主持，书记可以委托副书记或委员主持。预备党员没有表决权。",
		Content:   "党支部的议事决策机构：审查支部委员会工作报告，选举，讨论表决接收预备党员、预备党员转正、延长预备期或取消预备党员资格，决定对党员的表彰和处分等。",
		Topic:     "三会一课", Lesson: "三会一课与主题党日",
		Sources: []MeetingSource{
			{Doc: meetingDoc, Article: "第十一条", Point: "党员大会是议事决策机构，一般每季度召开1次；表决须有半数以上有表决权的党员到会，赞成人数超过应到会有表决权的党员的半数为通过；村、社区的重要事项必须经党员大会讨论"},
			{Doc: meetingDoc, Article: "第十四条", Point: "党员大会由书记召集并主持，书记可以委托副书记或委员主持"},
			{Doc: "《中国共产党章程》", Article: "第七条", Point: "预备党员没有表决权、选举权和被选举权"},
		},
		Steps: []MeetingStep{
			{Text: "支委会确定议题、时间、地点，并提前通知党员"},
			{Text: "统计到会人数，宣布会议是否有效（表决须半数以上有表决权的党员到会）"},
			{Text: "书记提出议题"},
			{Text: "党员讨论，充分发表意见"},
			{Text: "表决，形成决议（赞成人数超过应到会有表决权的党员的半数为通过）"},
			{Text: "做好记录、归档，报告上级，并向缺席党员传达"},
		},
		Elements: append(recordElements(true),
			RecordElement{Label: "党员总数", Lines: 1, When: "讨论发展党员时"},
			RecordElement{Label: "参会的预备党员名单", Lines: 2, When: "讨论发展党员时"},
		),
		Notes: []string{
			"村、社区的重要事项，必须经党员大会讨论。",
			"重要事项提交党员大会前，一般先经支委会讨论。",
			"讨论接收预备党员、转正的，到会和通过人数可以用「表决计算器」核对。",
		},
	},
	{
		Key: MeetingCommittee, Name: "支部委员会会议",
		Frequency: "一般每月召开1次，根据需要可以随时召开",
		Attendees: "支部委员，须半数以上委员到会。由书记召集并主持，书记可以委托副书记或委员主持。",
		Content:   "党支部日常工作的领导机构；重要事项提交党员大会前，一般先经支委会讨论。",
		Topic:     "三会一课", Lesson: "三会一课与主题党日",
		Sources: []MeetingSource{
			{Doc: meetingDoc, Article: "第十二条", Point: "支委会一般每月召开1次，根据需要可以随时召开；须半数以上委员到会；重要事项提交党员大会前一般先经支委会讨论"},
			{Doc: meetingDoc, Article: "第十四条", Point: "支委会由书记召集并主持，书记可以委托副书记或委员主持"},
		},
		Steps: []MeetingStep{
			{Text: "书记确定议题和时间，提前通知委员", Practice: true},
			{Text: "清点到会委员，须半数以上委员到会；人数不够应当改期"},
			{Text: "逐项讨论议题（可固定几项常规议题：上月工作落实情况、本月计划、发展党员进展、党员教育管理情况、群众反映的问题）", Practice: true},
			{Text: "形成决定；要提交党员大会的重要事项，先在支委会讨论"},
			{Text: "做好记录，存档备查"},
		},
		Elements: recordElements(true),
		Notes: []string{
			"正式党员7人以上的党支部设支部委员会；不足7人的，设1名书记，必要时设1名副书记。",
		},
	},
	{
		Key: MeetingGroup, Name: "党小组会",
		Frequency: "一般每月召开1次",
		Attendees: "本党小组的党员。党小组组长由支部指定，或由党员推荐产生。",
		Content:   "政治学习、谈心谈话、批评和自我批评。",
		Topic:     "三会一课", Lesson: "三会一课与主题党日",
		Sources: []MeetingSource{
			{Doc: meetingDoc, Article: "第十三条", Point: "党小组会一般每月召开1次，内容为政治学习、谈心谈话、批评和自我批评；党小组组长由支部指定，或由党员推荐产生"},
		},
		Steps: []MeetingStep{
			{Text: "党小组组长确定学习内容和时间，提前通知党员", Practice: true},
			{Text: "政治学习，可以轮流由党员领学、谈体会", Practice: true},
			{Text: "谈心谈话，开展批评和自我批评，让每名党员都开口"},
			{Text: "做好记录，存档备查"},
		},
		Elements: append(recordElements(false),
			RecordElement{Label: "学习内容", Lines: 2, Practice: true},
			RecordElement{Label: "谈心谈话、批评和自我批评情况", Lines: 4, Practice: true},
		),
	},
	{
		Key: MeetingLecture, Name: "党课",
		Frequency: meetingLocalRule,
		Attendees: "支部党员。党员领导干部要定期给基层党员讲党课。",
		Content:   "突出政治学习教育，突出党性锻炼；讲理论也讲身边事。",
		Topic:     "三会一课", Lesson: "三会一课与主题党日",
		Sources: []MeetingSource{
			{Doc: meetingDoc, Article: "第十六条", Point: "党员领导干部要定期给基层党员讲党课，党委（党组）书记每年至少讲1次党课"},
		},
		Steps: []MeetingStep{
			{Text: "确定主讲人和党课题目", Practice: true},
			{Text: "提前通知党员", Practice: true},
			{Text: "讲授党课", Practice: true},
			{Text: "交流讨论、谈体会", Practice: true},
			{Text: "做好记录，存档备查"},
		},
		Elements: append(recordElements(false),
			RecordElement{Label: "主讲人", Lines: 1, Practice: true},
			RecordElement{Label: "党课题目", Lines: 1, Practice: true},
			RecordElement{Label: "主要内容", Lines: 4, Practice: true},
		),
		Notes: []string{
			"党支部自身每年讲几次党课，条例没有统一规定：各地规定不同，请按本地要求。",
			"党委（党组）书记每年至少讲1次党课。",
		},
	},
	{
		Key: MeetingReview, Name: "组织生活会",
		Frequency: "每年至少召开1次，一般安排在第四季度，也可以随时召开",
		Attendees: "以党员大会、支委会或党小组会的形式召开，参加人员随所用的会议形式。",
		Content:   "会前学习、谈心谈话、听取意见；会上查摆问题，开展批评和自我批评；会后制定整改措施。民主评议党员可以与组织生活会一并开展。",
		Topic:     "组织生活会", Lesson: "组织生活会与民主评议党员",
		Sources: []MeetingSource{
			{Doc: meetingDoc, Article: "第十七条", Point: "组织生活会每年至少召开1次，一般安排在第四季度，也可以随时召开；以党员大会、支委会或党小组会形式召开；会前学习、谈心谈话、听取意见，会上查摆问题、开展批评和自我批评，会后制定整改措施"},
		},
		Steps: []MeetingStep{
			{Text: "会前：组织学习"},
			{Text: "会前：谈心谈话（支委之间、支委和党员之间、党员之间）"},
			{Text: "会前：广泛听取党员和群众的意见"},
			{Text: "会上：书记带头，查摆问题", Practice: true},
			{Text: "会上：党员逐一发言，开展批评和自我批评"},
			{Text: "会后：制定整改措施，明确责任人和完成时限"},
			{Text: "会议记录、发言材料、整改清单存档备查", Practice: true},
		},
		Elements: append(recordElements(false),
			RecordElement{Label: "会前学习、谈心谈话、听取意见情况", Lines: 3, Practice: true},
			RecordElement{Label: "查摆的问题", Lines: 4, Practice: true},
			RecordElement{Label: "批评和自我批评情况", Lines: 6, Practice: true},
			RecordElement{Label: "整改措施（责任人、完成时限）", Lines: 4, Practice: true},
		),
		Notes: []string{
			"民主评议党员一般每年1次，按个人自评、党员互评、民主测评的程序进行，可以与组织生活会一并开展。",
		},
	},
	{
		Key: MeetingThemeDay, Name: "主题党日",
		Frequency: "每月相对固定1天",
		Attendees: "支部党员；流动党员提前通知，会后传达。",
		Content:   "集中学习、过组织生活、民主议事、志愿服务。",
		Topic:     "三会一课", Lesson: "三会一课与主题党日",
		Sources: []MeetingSource{
			{Doc: meetingDoc, Article: "第十六条", Point: "党支部每月相对固定1天开展主题党日，内容为集中学习、过组织生活、民主议事、志愿服务"},
		},
		Steps: []MeetingStep{
			{Text: "每月选定一天，年初列出全年主题", Practice: true},
			{Text: "集中学习党的理论、上级文件精神"},
			{Text: "过组织生活：按计划召开党小组会或党员大会"},
			{Text: "民主议事：讨论一件具体事项"},
			{Text: "志愿服务：组织党员为群众办实事"},
			{Text: "整理记录，存档备查；把学习材料和会议精神传达给没能参加的党员", Practice: true},
		},
		Elements: append(recordElements(false),
			RecordElement{Label: "主题", Lines: 1, Practice: true},
			RecordElement{Label: "集中学习内容", Lines: 2, Practice: true},
			RecordElement{Label: "过组织生活（召开的会议）", Lines: 2, Practice: true},
			RecordElement{Label: "民主议事事项", Lines: 2, Practice: true},
			RecordElement{Label: "志愿服务内容", Lines: 2, Practice: true},
		),
	},
}

// MeetingByKey returns the meeting kind of key.
func MeetingByKey(key string) (Meeting, bool) {
	for _, m := range Meetings {
		if m.Key == key {
			return m, true
		}
	}
	return Meeting{}, false
}

// LineSlots gives n empty slots for a template's range (the printed blank lines).
func (e RecordElement) LineSlots() []struct{} { return make([]struct{}, e.Lines) }
