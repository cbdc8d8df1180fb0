package api

import (
	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/search"
)

// ApplyRule narrows query (built with app.RecordQuery(collection)) to the
// records that rule allows for the request, exactly as PocketBase's record
// API evaluates it. A nil rule means superusers only.
func ApplyRule(app core.App, query *dbx.SelectQuery, collection *core.Collection, info *core.RequestInfo, rule *string) error {
	if info.HasSuperuserAuth() {
		return nil
	}
	if rule == nil {
		query.AndWhere(dbx.NewExp("1 = 0"))
		return nil
	}
	if *rule == "" {
		return nil
	}
	resolver := core.NewRecordFieldResolver(app, collection, info, true)
	expr, err := search.FilterData(*rule).BuildExpr(resolver)
	if err != nil {
		return err
	}
	query.AndWhere(expr)
	return resolver.UpdateQuery(query)
}
