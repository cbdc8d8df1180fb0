package notifications

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/cobraspace/cobraspace/internal/api"
)

const (
	pageSize    = 20
	maxPageSize = 100
	// maxReadIds bounds the ids one POST /api/notifications/read/ marks.
	maxReadIds = 100
)

// bindRoutes serves /api/notifications/...
func bindRoutes(app core.App) {
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		g := se.Router.Group("/api")
		api.Handle(g, http.MethodGet, "/notifications", api.RequireMember(listNotifications))
		api.Handle(g, http.MethodGet, "/notifications/unread-count", api.RequireMember(unreadCount))
		api.Handle(g, http.MethodPost, "/notifications/read", api.RequireMember(markRead))
		return se.Next()
	})
}

// listPage is the answer of GET /api/notifications/.
type listPage struct {
	Count   int            `json:"count"`
	Unread  int            `json:"unread"`
	Results []Notification `json:"results"`
}

// listNotifications: GET /api/notifications/?page=&page_size=&unread=1 —
// my notifications, newest first; count is how many match (all, or the
// unread ones with unread=1), unread how many are unread.
func listNotifications(e *core.RequestEvent, me *core.Record) error {
	page, err := api.ReadPage(e, pageSize, maxPageSize)
	if err != nil {
		return err
	}
	onlyUnread := false
	switch raw := strings.ToLower(strings.TrimSpace(e.Request.URL.Query().Get("unread"))); raw {
	case "", "0", "false", "no", "off":
	case "1", "true", "yes", "on":
		onlyUnread = true
	default:
		return api.FieldError("unread", api.MsgNotBoolean)
	}
	where := dbx.HashExp{"user": me.Id}
	if onlyUnread {
		where["read"] = false
	}
	var count int
	if err := e.App.DB().Select("COUNT(*)").From("notifications").Where(where).Row(&count); err != nil {
		return err
	}
	unread, err := UnreadCount(e.App, me.Id)
	if err != nil {
		return err
	}
	rows := []*core.Record{}
	err = e.App.RecordQuery("notifications").Where(where).
		OrderBy("created DESC", "id DESC").
		Limit(int64(page.Size)).Offset(page.Offset()).All(&rows)
	if err != nil {
		return err
	}
	results, err := renderNotifications(e.App, rows, me)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, listPage{Count: count, Unread: unread, Results: results})
}

// unreadAnswer is {"unread": N}.
type unreadAnswer struct {
	Unread int `json:"unread"`
}

// unreadCount: GET /api/notifications/unread-count/
func unreadCount(e *core.RequestEvent, me *core.Record) error {
	n, err := UnreadCount(e.App, me.Id)
	if err != nil {
		return err
	}
	sendReadCount(e.App, me.Id) // the member's other devices
	return e.JSON(http.StatusOK, unreadAnswer{n})
}

// markRead: POST /api/notifications/read/ {"ids": [...]} or {"all": true}
// → {"unread": N}. Ids that are not mine, or unknown, are ignored (the
// answer does not tell another member's ids from unknown ones).
func markRead(e *core.RequestEvent, me *core.Record) error {
	body, err := api.ReadBody(e, api.MaxJSONBody)
	if err != nil {
		return err
	}
	fe := api.FieldErrors{}
	all, _ := body.Bool(fe, "all")
	var ids []string
	if _, badAll := fe["all"]; !all && !badAll {
		ids = readIds(body, fe)
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if all {
		_, err = e.App.DB().Update("notifications",
			dbx.Params{"read": true, "updated": types.NowDateTime().String()},
			dbx.HashExp{"user": me.Id, "read": false}).Execute()
		if err != nil {
			return err
		}
	} else if err := markIdsRead(e.App, me.Id, ids); err != nil {
		return err
	}
	n, err := UnreadCount(e.App, me.Id)
	if err != nil {
		return err
	}
	sendReadCount(e.App, me.Id) // the member's other devices
	return e.JSON(http.StatusOK, unreadAnswer{n})
}

// readIds reads the required "ids": a list of at most maxReadIds strings.
func readIds(body *api.Body, fe api.FieldErrors) []string {
	raw, present := body.Data["ids"]
	if !present || raw == nil {
		fe.Add("ids", api.MsgRequired)
		return nil
	}
	list, ok := raw.([]any)
	if !ok {
		fe.Add("ids", fmt.Sprintf("Expected a list of items but got type %q.", jsonKind(raw)))
		return nil
	}
	if len(list) > maxReadIds {
		fe.Add("ids", fmt.Sprintf("Ensure this field has no more than %d elements.", maxReadIds))
		return nil
	}
	ids := make([]string, 0, len(list))
	for _, v := range list {
		s, ok := v.(string)
		if !ok {
			fe.Add("ids", api.MsgNotString)
			return nil
		}
		ids = append(ids, s)
	}
	return ids
}

func jsonKind(v any) string {
	switch v.(type) {
	case string:
		return "str"
	case bool:
		return "bool"
	case map[string]any:
		return "dict"
	}
	return "int"
}

// markIdsRead marks my unread notifications among ids read, each as a
// record save (so the stock subscription sees the update), in one
// transaction.
func markIdsRead(app core.App, userId string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	list := make([]any, len(ids))
	for i, id := range ids {
		list[i] = id
	}
	return app.RunInTransaction(func(tx core.App) error {
		rows := []*core.Record{}
		err := tx.RecordQuery("notifications").
			Where(dbx.HashExp{"user": userId, "read": false}).
			AndWhere(dbx.In("id", list...)).All(&rows)
		if err != nil {
			return err
		}
		for _, n := range rows {
			n.Set("read", true)
			if err := tx.Save(n); err != nil {
				return err
			}
		}
		return nil
	})
}
