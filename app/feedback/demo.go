package feedback

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// demoFeedback is what the demo secretary sent: one suggestion the township's organizer
// answered, one complaint sent 对乡镇匿名 still waiting.
var demoFeedback = []struct {
	kind, category, text, reply string
	anonymous                   bool
}{
	{KindSuggestion, "learning", "建议在课程里多放一些村级集体经济发展的实际案例，最好有本县的。",
		"感谢您的建议，已转报县委组织部，更新课程时会考虑加入本县的案例。", false},
	{KindComplaint, "system", "手机上打开课程有时加载很慢，村里信号不好的时候要等很久。", "", true},
}

// SeedDemo stores the demo feedback once, from the demo account 'secretary' (township 1),
// the reply by the demo 'organizer'. Without those accounts it does nothing.
func SeedDemo(ctx context.Context, db *sqlx.DB) error {
	for _, d := range demoFeedback {
		status := StatusReceived
		if d.reply != "" {
			status = StatusReplied
		}
		_, err := db.ExecContext(ctx, `
			INSERT INTO feedback (user_id, township_id, kind, category, text, anonymous, status, reply, replied_by, replied_at)
			SELECT s.id, s.township_id, $1, $2, $3, $4, $5, $6,
			       CASE WHEN $6 <> '' THEN o.id END, CASE WHEN $6 <> '' THEN now() END
			FROM users s LEFT JOIN users o ON o.username = 'organizer'
			WHERE s.username = 'secretary'
			  AND NOT EXISTS (SELECT 1 FROM feedback f WHERE f.user_id = s.id AND f.text = $3)`,
			d.kind, d.category, d.text, d.anonymous, status, d.reply)
		if err != nil {
			return err
		}
	}
	return nil
}
