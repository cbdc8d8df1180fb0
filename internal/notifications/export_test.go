package notifications

import "github.com/pocketbase/pocketbase/core"

// NicknameQueryPlan is SQLite's plan of the nickname lookup of mentions.
func NicknameQueryPlan(app core.App, names ...any) ([]string, error) {
	q := nicknameQuery(app, names).Build()
	rows := []struct {
		Id     int    `db:"id"`
		Parent int    `db:"parent"`
		NotU   int    `db:"notused"`
		Detail string `db:"detail"`
	}{}
	err := app.DB().NewQuery("EXPLAIN QUERY PLAN " + q.SQL()).Bind(q.Params()).All(&rows)
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.Detail
	}
	return out, err
}
