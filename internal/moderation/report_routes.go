package moderation

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/chat"
)

// The report routes (docs/API.md, "Moderation and member safety"):
//
//	POST /api/chat/message/<id>/report/           members who may read it
//	GET  /api/moderation/reports/                 superusers; moderators (their rooms)
//	POST /api/moderation/reports/<id>/resolve/    superusers; the room's moderators

// bindReports binds the report routes and hooks.
func bindReports(app core.App) {
	bindReportHooks(app)
	app.OnServe().BindFunc(func(se *core.ServeEvent) error {
		api.Handle(se.Router.Group("/api/chat"), http.MethodPost, "/message/{id}/report", api.RequireMember(postReport))
		g := se.Router.Group("/api/moderation")
		api.Handle(g, http.MethodGet, "/reports", api.RequireMemberOrSuperuser(listReports))
		api.Handle(g, http.MethodPost, "/reports/{id}/resolve", api.RequireMemberOrSuperuser(resolveReport))
		return se.Next()
	})
}

// MaxReasonLength bounds a report's reason (reports.reason).
const MaxReasonLength = 500

// reportAnswer is the answer of POST .../report/.
type reportAnswer struct {
	Id        string         `json:"id"`
	Message   string         `json:"message"`
	Reason    string         `json:"reason"`
	Status    string         `json:"status"`
	CreatedAt api.NullString `json:"created_at"`
}

// postReport: POST /api/chat/message/{id}/report/ {"reason"} — 201.
func postReport(e *core.RequestEvent, me *core.Record) error {
	m, err := e.App.FindRecordById("messages", e.Request.PathValue("id"))
	if err != nil || !m.GetDateTime("deleted_at").IsZero() || !mayView(e.App, m, me) {
		return api.NotFound()
	}
	body, err := api.ReadBody(e, api.MaxJSONBody)
	if err != nil {
		return err
	}
	fe := api.FieldErrors{}
	reason := strings.TrimSpace(body.RequiredString(fe, "reason"))
	if utf8.RuneCountInString(reason) > MaxReasonLength {
		fe.Add("reason", api.MaxLength(MaxReasonLength))
	}
	if err := fe.Err(); err != nil {
		return err
	}
	if m.GetString("sender") == me.Id {
		return api.Detail(http.StatusBadRequest, msgOwnMessage)
	}
	r, err := ReportMessage(e.App, me, m, reason)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusCreated, reportAnswer{
		Id: r.Id, Message: m.Id, Reason: r.GetString("reason"), Status: r.GetString("status"),
		CreatedAt: api.TimeOf(r.GetDateTime("created")),
	})
}

// mayView evaluates the messages view rule for me: the room readable (no
// ban), the sender not blocked, not hidden (but to its sender and the
// moderators).
func mayView(app core.App, m, me *core.Record) bool {
	info := &core.RequestInfo{Auth: me, Method: http.MethodGet, Context: core.RequestInfoContextDefault}
	ok, err := app.CanAccessRecord(m, info, m.Collection().ViewRule)
	return err == nil && ok
}

// reportItem is a report in the queue (and the answer of resolve).
type reportItem struct {
	Id         string         `json:"id"`
	Message    *chat.Message  `json:"message"`
	Room       string         `json:"room"`
	Reporter   *person        `json:"reporter"`
	Reason     string         `json:"reason"`
	Status     string         `json:"status"`
	Reports    int            `json:"reports"` // open reports of the message
	CreatedAt  api.NullString `json:"created_at"`
	ResolvedBy api.NullString `json:"resolved_by"`
	Resolution api.NullString `json:"resolution"`
}

type reportPage struct {
	Count   int64        `json:"count"`
	Results []reportItem `json:"results"`
}

const (
	reportPageSize    = 20
	maxReportPageSize = 100
)

var statuses = []string{StatusOpen, StatusDismissed, StatusActioned}

// listReports: GET /api/moderation/reports/?status=&room=&page=&page_size=
// — newest first; superusers see every room's, members the rooms they
// moderate.
func listReports(e *core.RequestEvent, actor *core.Record) error {
	q := e.Request.URL.Query()
	page, err := api.ReadPage(e, reportPageSize, maxReportPageSize)
	if err != nil {
		return err
	}
	exps := []dbx.Expression{}
	if status := q.Get("status"); status != "" {
		if !slices.Contains(statuses, status) {
			return api.FieldError("status", strconv.Quote(status)+" is not a valid choice.")
		}
		exps = append(exps, dbx.HashExp{"reports.status": status})
	}
	if roomId := q.Get("room"); roomId != "" {
		room, err := chat.ModeratedRoom(e.App, actor, roomId)
		if err != nil {
			return err
		}
		exps = append(exps, dbx.HashExp{"reports.room": room.Id})
	} else if !actor.IsSuperuser() {
		var n int
		mine := dbx.NewExp(`reports.room IN (SELECT id FROM rooms WHERE owner = {:me} AND dm_key = ''
			UNION SELECT room FROM room_moderators WHERE user = {:me})`, dbx.Params{"me": actor.Id})
		err := e.App.DB().NewQuery(`SELECT COUNT(*) FROM (SELECT 1 FROM rooms WHERE owner = {:me} AND dm_key = ''
			UNION ALL SELECT 1 FROM room_moderators WHERE user = {:me} LIMIT 1)`).Bind(dbx.Params{"me": actor.Id}).Row(&n)
		if err != nil {
			return err
		}
		if n == 0 {
			return api.Detail(http.StatusForbidden, msgNoRooms)
		}
		exps = append(exps, mine)
	}
	where := dbx.And(exps...)

	out := reportPage{Results: []reportItem{}}
	if err := e.App.RecordQuery("reports").Select("COUNT(*)").AndWhere(where).Row(&out.Count); err != nil {
		return err
	}
	reports := []*core.Record{}
	err = e.App.RecordQuery("reports").AndWhere(where).
		OrderBy("reports.created DESC", "reports.id DESC").
		Limit(int64(page.Size)).Offset(page.Offset()).
		All(&reports)
	if err != nil {
		return err
	}
	if out.Results, err = reportItems(e.App, reports, actor); err != nil {
		return err
	}
	return e.JSON(http.StatusOK, out)
}

// reportItems renders reports as actor sees them: their messages (a
// moderator sees hidden ones' text), reporters and open report counts, a
// few queries for the page.
func reportItems(app core.App, reports []*core.Record, actor *core.Record) ([]reportItem, error) {
	out := make([]reportItem, 0, len(reports))
	if len(reports) == 0 {
		return out, nil
	}
	messageIds, reporterIds := []string{}, []string{}
	for _, r := range reports {
		messageIds = append(messageIds, r.GetString("message"))
		reporterIds = append(reporterIds, r.GetString("reporter"))
	}
	messages, err := app.FindRecordsByIds("messages", messageIds)
	if err != nil {
		return nil, err
	}
	rendered, err := chat.MessagesJSON(app, messages, actor)
	if err != nil {
		return nil, err
	}
	byMessage := map[string]*chat.Message{}
	for i := range rendered {
		byMessage[rendered[i].Id] = &rendered[i]
	}
	reporters, err := app.FindRecordsByIds("users", reporterIds)
	if err != nil {
		return nil, err
	}
	byReporter := map[string]*person{}
	for _, u := range reporters {
		byReporter[u.Id] = &person{Id: u.Id, Nickname: u.GetString("nickname")}
	}
	ids := make([]any, len(messageIds))
	for i, id := range messageIds {
		ids[i] = id
	}
	var counts []struct {
		Message string `db:"message"`
		N       int    `db:"n"`
	}
	err = app.DB().Select("message", "COUNT(DISTINCT reporter) AS n").From("reports").
		Where(dbx.In("message", ids...)).AndWhere(dbx.HashExp{"status": StatusOpen}).
		GroupBy("message").All(&counts)
	if err != nil {
		return nil, err
	}
	open := map[string]int{}
	for _, c := range counts {
		open[c.Message] = c.N
	}
	for _, r := range reports {
		item := reportItem{
			Id:         r.Id,
			Message:    byMessage[r.GetString("message")],
			Room:       r.GetString("room"),
			Reporter:   byReporter[r.GetString("reporter")],
			Reason:     r.GetString("reason"),
			Status:     r.GetString("status"),
			Reports:    open[r.GetString("message")],
			CreatedAt:  api.TimeOf(r.GetDateTime("created")),
			ResolvedBy: api.NullString(r.GetString("resolved_by")),
			Resolution: api.NullString(r.GetString("resolution")),
		}
		out = append(out, item)
	}
	return out, nil
}

// resolveReport: POST /api/moderation/reports/{id}/resolve/ {"action",
// "minutes"?, "reason"?} — 200 the report, resolved with every other
// open report of its message.
func resolveReport(e *core.RequestEvent, actor *core.Record) error {
	report, err := reportFromPath(e.App, e.Request.PathValue("id"))
	if err != nil {
		return err
	}
	if _, err := chat.ModeratedRoom(e.App, actor, report.GetString("room")); err != nil {
		return err
	}
	res, err := readResolution(e)
	if err != nil {
		return err
	}
	if err := ResolveReport(e.App, actor, report, res); err != nil {
		return err
	}
	items, err := reportItems(e.App, []*core.Record{report}, actor)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, items[0])
}

var actions = []string{ActionDismiss, ActionDelete, ActionMute, ActionBan}

// readResolution reads {"action", "minutes"?, "reason"?}.
func readResolution(e *core.RequestEvent) (Resolution, error) {
	var res Resolution
	body, err := api.ReadBody(e, api.MaxJSONBody)
	if err != nil {
		return res, err
	}
	fe := api.FieldErrors{}
	res.Action = body.RequiredString(fe, "action")
	if res.Action != "" && !slices.Contains(actions, res.Action) {
		fe.Add("action", strconv.Quote(res.Action)+" is not a valid choice.")
	}
	if raw, ok := body.Data["minutes"]; ok && raw != nil {
		n, valid := wholeNumber(raw)
		switch {
		case !valid:
			fe.Add("minutes", "A valid integer is required.")
		case n < 1:
			fe.Add("minutes", "Ensure this value is greater than or equal to 1.")
		case n > MaxMinutes:
			fe.Add("minutes", "Ensure this value is less than or equal to "+strconv.Itoa(MaxMinutes)+".")
		default:
			res.Minutes = int(n)
		}
	}
	if reason, ok := body.String(fe, "reason"); ok {
		res.Reason = strings.TrimSpace(reason)
		if utf8.RuneCountInString(res.Reason) > MaxReasonLength {
			fe.Add("reason", api.MaxLength(MaxReasonLength))
		}
	}
	return res, fe.Err()
}

// wholeNumber is raw (a JSON number or a form string) as an integer.
func wholeNumber(raw any) (int64, bool) {
	var s string
	switch v := raw.(type) {
	case json.Number:
		s = v.String()
	case string:
		s = strings.TrimSpace(v)
	default:
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil
}
