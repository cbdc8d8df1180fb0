package users

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"github.com/ganigeorgiev/fexpr"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/apis"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/dbutils"
	"github.com/pocketbase/pocketbase/tools/hook"
	"github.com/pocketbase/pocketbase/tools/search"
	"github.com/spf13/cast"
)

// Hidden e-mails and ordering.
//
// PocketBase hides an auth record's e-mail unless its owner shows it
// (emailVisibility), and in filters it adds "AND emailVisibility = TRUE" to
// every comparison of an e-mail, so a hidden address never matches. Two
// things escape that guard, and each lets a member recover a hidden
// address by bisection, with throwaway sign-ups as reference points:
//
//   - sort: `?sort=email`, `writer.email`, `friends_via_user.friend.email`,
//     `-email:lower`... orders rows by addresses whose owners hid them;
//   - comparisons across a to-many path (`friends_via_user.friend.email >
//     "m"`: PocketBase's "every related value matches" subquery compares the
//     hidden addresses too), and e-mails inside functions (`strftime(...,
//     email)`), whose results drop the guard.
//
// So for everyone but superusers, the records list (and with it the SDK's
// getList/getFirstListItem) and realtime subscription options refuse any
// sort that reaches an auth collection's e-mail, and any filter comparison
// of one that PocketBase does not guard: 400 validation_email_ordering.
// Comparisons it does guard (a direct or to-one path, or any "?" operator,
// which matches row by row) stay allowed.

const (
	codeEmailOrdering = "validation_email_ordering"
	msgEmailOrdering  = "E-mail addresses cannot be sorted by, nor compared across to-many relations or inside functions: hidden addresses would show in the result."
)

// recordsListPath matches PocketBase's records list route.
var recordsListPath = regexp.MustCompile(`^/api/collections/([^/]+)/records/?$`)

// viaProp is a back-relation path step, as PocketBase reads it.
var viaProp = regexp.MustCompile(`^(\w+)_via_(\w+)$`)

// guardEmailOrdering refuses e-mail orderings on the records list before
// the query runs. It runs after the auth is loaded (and checked).
func guardEmailOrdering() *hook.Handler[*core.RequestEvent] {
	return &hook.Handler[*core.RequestEvent]{
		Id:       "cobraGuardEmailOrdering",
		Priority: apis.DefaultLoadAuthTokenMiddlewarePriority + 2,
		Func: func(e *core.RequestEvent) error {
			if e.Request.Method != http.MethodGet || e.HasSuperuserAuth() {
				return e.Next()
			}
			m := recordsListPath.FindStringSubmatch(e.Request.URL.Path)
			if m == nil {
				return e.Next()
			}
			name, err := url.PathUnescape(m[1])
			if err != nil {
				return e.Next()
			}
			collection, err := e.App.FindCachedCollectionByNameOrId(name)
			if err != nil {
				return e.Next() // PocketBase answers the unknown collection
			}
			query := e.Request.URL.Query()
			if param, field := orderingLeak(e.App, collection, query["sort"], query["filter"]); field != "" {
				return refuseEmailOrdering(e, param, field)
			}
			return e.Next()
		},
	}
}

// guardRealtimeEmailFilters refuses realtime subscriptions whose options
// would order or compare by hidden e-mails (which events arrive would
// tell the answer).
func guardRealtimeEmailFilters(e *core.RealtimeSubscribeRequestEvent) error {
	if e.HasSuperuserAuth() {
		return e.Next()
	}
	for _, sub := range e.Subscriptions {
		u, err := url.Parse(sub)
		if err != nil {
			continue // PocketBase ignores the options of such a topic too
		}
		raw := u.Query().Get("options")
		if raw == "" {
			continue
		}
		name, _, _ := strings.Cut(u.Path, "/")
		collection, err := e.App.FindCachedCollectionByNameOrId(name)
		if err != nil {
			continue // not a collection topic
		}
		var options struct {
			Query map[string]any `json:"query"`
		}
		if err := json.Unmarshal([]byte(raw), &options); err != nil {
			continue // PocketBase ignores options it cannot read
		}
		sort := cast.ToString(options.Query["sort"]) // as PocketBase reads them
		filter := cast.ToString(options.Query["filter"])
		if _, field := orderingLeak(e.App, collection, []string{sort}, []string{filter}); field != "" {
			return refuseEmailOrdering(e.RequestEvent, "subscriptions", field)
		}
	}
	return e.Next()
}

// refuseEmailOrdering is the 400 answer, in PocketBase's error shape, with
// the refused expression under key.
func refuseEmailOrdering(e *core.RequestEvent, key, field string) error {
	return e.BadRequestError(msgEmailOrdering, validation.Errors{
		key: validation.NewError(codeEmailOrdering, fmt.Sprintf("%q reaches an e-mail address that may be hidden.", field)),
	})
}

// orderingLeak is the first sort field or filter operand (of collection's
// records) that would order or compare by hidden e-mails, with its
// parameter ("sort" or "filter"); "" when there is none.
func orderingLeak(app core.App, collection *core.Collection, sorts, filters []string) (param, field string) {
	for _, raw := range sorts {
		if raw == "" {
			continue
		}
		for _, f := range search.ParseSortFromString(raw) {
			if reaches, _ := reachesEmail(app, collection, f.Name); reaches {
				return search.SortQueryParam, f.Name
			}
		}
	}
	for _, raw := range filters {
		if raw == "" {
			continue
		}
		groups, err := fexpr.Parse(raw)
		if err != nil {
			continue // PocketBase refuses it itself
		}
		if leak := filterLeak(app, collection, groups); leak != "" {
			return search.FilterQueryParam, leak
		}
	}
	return "", ""
}

// filterLeak walks a parsed filter for comparisons PocketBase does not
// guard: an e-mail reached across a to-many path with a match-all operator,
// or an e-mail inside a function.
func filterLeak(app core.App, collection *core.Collection, groups []fexpr.ExprGroup) string {
	for _, g := range groups {
		var leak string
		switch item := g.Item.(type) {
		case fexpr.Expr:
			for _, token := range []fexpr.Token{item.Left, item.Right} {
				if leak = tokenLeak(app, collection, token, isAnyOp(item.Op), false); leak != "" {
					break
				}
			}
		case fexpr.ExprGroup:
			leak = filterLeak(app, collection, []fexpr.ExprGroup{item})
		case []fexpr.ExprGroup:
			leak = filterLeak(app, collection, item)
		}
		if leak != "" {
			return leak
		}
	}
	return ""
}

func tokenLeak(app core.App, collection *core.Collection, token fexpr.Token, anyOp, inFunction bool) string {
	switch token.Type {
	case fexpr.TokenIdentifier:
		reaches, toMany := reachesEmail(app, collection, token.Literal)
		if reaches && (inFunction || (toMany && !anyOp)) {
			return token.Literal
		}
	case fexpr.TokenFunction:
		args, _ := token.Meta.([]fexpr.Token)
		for _, arg := range args {
			if leak := tokenLeak(app, collection, arg, anyOp, true); leak != "" {
				return leak
			}
		}
	}
	return ""
}

// isAnyOp tells the "?" operators, which PocketBase evaluates row by row
// (each related row's own visibility guard holds).
func isAnyOp(op fexpr.SignOp) bool {
	return strings.HasPrefix(string(op), "?")
}

// reachesEmail reports whether the field path (as PocketBase's record
// field resolver reads it, from collection) ends at the e-mail of an auth
// collection, and whether it crosses a to-many step (a multiple relation,
// a back-relation without a unique index, or @collection). Paths it cannot
// follow are left to PocketBase, which refuses them.
func reachesEmail(app core.App, collection *core.Collection, path string) (reaches, toMany bool) {
	if strings.HasPrefix(path, "@request.") {
		return false, false // the caller's own data
	}
	props := strings.Split(path, ".")
	if props[0] == "@collection" {
		if len(props) < 3 {
			return false, false
		}
		name, _, _ := strings.Cut(props[1], ":") // @collection.name:alias
		c, err := app.FindCachedCollectionByNameOrId(name)
		if err != nil {
			return false, false
		}
		collection, toMany, props = c, true, props[2:]
	}
	for i, prop := range props {
		if i == len(props)-1 {
			name, _, _ := strings.Cut(prop, ":") // a modifier such as :lower
			field := collection.Fields.GetByName(name)
			return field != nil && collection.IsAuth() && field.GetName() == core.FieldNameEmail, toMany
		}
		next, many, ok := step(app, collection, prop)
		if !ok {
			return false, false
		}
		collection, toMany = next, toMany || many
	}
	return false, false
}

// step follows one relation or back-relation of a field path.
func step(app core.App, collection *core.Collection, prop string) (next *core.Collection, toMany, ok bool) {
	if field := collection.Fields.GetByName(prop); field != nil {
		rel, isRel := field.(*core.RelationField)
		if !isRel {
			return nil, false, false // e.g. a JSON path: no e-mail at its end
		}
		c, err := app.FindCachedCollectionByNameOrId(rel.CollectionId)
		if err != nil {
			return nil, false, false
		}
		return c, rel.IsMultiple(), true
	}
	m := viaProp.FindStringSubmatch(prop)
	if m == nil {
		return nil, false, false
	}
	back, err := app.FindCachedCollectionByNameOrId(m[1])
	if err != nil {
		return nil, false, false
	}
	rel, isRel := back.Fields.GetByName(m[2]).(*core.RelationField)
	if !isRel || rel.CollectionId != collection.Id {
		return nil, false, false
	}
	_, unique := dbutils.FindSingleColumnUniqueIndex(back.Indexes, rel.Name)
	return back, rel.IsMultiple() || !unique, true
}
