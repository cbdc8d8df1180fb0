package users

import (
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
)

const (
	searchPageSize    = 20
	searchMaxPageSize = 100
	keywordMaxLength  = 100
)

// likeEscaper escapes LIKE wildcards in user input (ESCAPE '\').
var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// searchFriends: GET /user/search-friends/?keyword=&page=&page_size=
// Members whose e-mail contains keyword (case-insensitive), among those
// the users list rule lets me see and who made their e-mail visible,
// public fields only.
func searchFriends(e *core.RequestEvent, me *core.Record) error {
	keyword := strings.TrimSpace(e.Request.URL.Query().Get("keyword"))
	fe := api.FieldErrors{}
	switch {
	case keyword == "":
		fe.Add("keyword", api.MsgRequired)
	case len([]rune(keyword)) > keywordMaxLength:
		fe.Add("keyword", api.MaxLength(keywordMaxLength))
	}
	page, err := api.ReadPage(e, searchPageSize, searchMaxPageSize)
	if err != nil {
		return err
	}
	if err := fe.Err(); err != nil {
		return err
	}

	collection, err := e.App.FindCachedCollectionByNameOrId(api.MemberCollection)
	if err != nil {
		return err
	}
	info, err := e.RequestInfo()
	if err != nil {
		return err
	}
	query := e.App.RecordQuery(collection).
		AndWhere(dbx.NewExp("[[users.email]] LIKE {:kw} ESCAPE '\\'", dbx.Params{"kw": "%" + likeEscaper.Replace(keyword) + "%"})).
		AndWhere(dbx.HashExp{"users.emailVisibility": true}).
		AndWhere(dbx.Not(dbx.HashExp{"users.id": me.Id}))
	if err := api.ApplyRule(e.App, query, collection, info, collection.ListRule); err != nil {
		return err
	}
	found := []*core.Record{}
	err = query.Distinct(true).OrderBy("users.email ASC").Limit(int64(page.Size)).Offset(page.Offset()).All(&found)
	if err != nil {
		return err
	}
	out := make([]foundMember, len(found))
	for i, u := range found {
		card := friendJSON(me, u)
		out[i] = foundMember{friendCard: card, IsPrivate: u.GetBool("is_private")}
	}
	return e.JSON(http.StatusOK, out)
}

// foundMember is a member in GET /user/search-friends/: the friend card
// and whether the account is private.
type foundMember struct {
	friendCard
	IsPrivate bool `json:"is_private"`
}
