package moderation

import (
	"net/http"

	"github.com/pocketbase/dbx"
	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"

	"github.com/cobraspace/cobraspace/hooks"
	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/chat"
)

// Reports (docs/API.md, "Moderation and member safety"): members report a
// message they may read; HideThreshold distinct open reports hide it
// pending review (messages.hidden, in the report's transaction), whichever
// API stored the report; the room's moderators (and superusers) work the
// queue and resolve every open report of a message at once: dismiss
// (shown again), delete (a moderator's soft delete), mute or ban its
// sender (room_mutes / room_bans rows, whose hooks do the rest). Each
// resolution and each hiding is in the moderation log.

// HideThreshold is how many distinct open reports hide a message.
const HideThreshold = 3

// Report statuses (reports.status) and resolutions.
const (
	StatusOpen      = "open"
	StatusDismissed = "dismissed"
	StatusActioned  = "actioned"

	ActionDismiss = "dismiss"
	ActionDelete  = "delete"
	ActionMute    = "mute"
	ActionBan     = "ban"
)

// Moderation log actions written here.
const (
	logResolveReport = "resolve_report"
	logHideMessage   = "hide_message"
)

const (
	msgOwnMessage      = "You cannot report your own message."
	msgAlreadyReported = "You have already reported this message."
	msgAlreadyResolved = "This report is already resolved."
	msgNoRooms         = "You do not moderate any room."
)

func bindReportHooks(app core.App) {
	// whichever API creates a report: its room is its message's, it
	// starts open, and nobody reports their own message
	app.OnRecordCreate("reports").BindFunc(func(e *core.RecordEvent) error {
		m, err := e.App.FindRecordById("messages", e.Record.GetString("message"))
		if err != nil {
			return validation.Errors{"message": validation.NewError("validation_missing_rel_records", "Unknown message.")}
		}
		if m.GetString("sender") == e.Record.GetString("reporter") {
			return validation.Errors{"message": validation.NewError("validation_own_message", msgOwnMessage)}
		}
		e.Record.Set("room", m.GetString("room"))
		if e.Record.GetString("status") == "" {
			e.Record.Set("status", StatusOpen)
		}
		return e.Next()
	})
	app.OnRecordCreateExecute("reports").BindFunc(func(e *core.RecordEvent) error {
		return hooks.InTransaction(e, func(e *core.RecordEvent) error {
			if err := e.Next(); err != nil {
				return err
			}
			if e.Record.GetString("status") != StatusOpen {
				return nil
			}
			return hideIfReported(e.App, e.Record.GetString("message"))
		})
	})
}

// openReports counts the distinct members whose reports of a message are
// open.
func openReports(app core.App, messageId string) (int, error) {
	var n int
	err := app.DB().NewQuery("SELECT COUNT(DISTINCT reporter) FROM reports WHERE message = {:m} AND status = 'open'").
		Bind(dbx.Params{"m": messageId}).Row(&n)
	return n, err
}

// hideIfReported hides a message that has HideThreshold open reports (in
// the caller's transaction); its listeners learn it once committed
// (chat.message.hide).
func hideIfReported(app core.App, messageId string) error {
	n, err := openReports(app, messageId)
	if err != nil || n < HideThreshold {
		return err
	}
	m, err := app.FindRecordById("messages", messageId)
	if err != nil {
		return err
	}
	if m.GetBool("hidden") || !m.GetDateTime("deleted_at").IsZero() {
		return nil
	}
	m.Set("hidden", true)
	if err := app.Save(m); err != nil {
		return err
	}
	return chat.WriteModerationLog(app, chat.ModerationEntry{
		Room: m.GetString("room"), Action: logHideMessage, Target: m.GetString("sender"), Message: m.Id,
		Detail: map[string]any{"reports": n},
	})
}

// ReportMessage stores me's report of message m (which me may read and
// did not send) with reason: 400 when they reported it already.
func ReportMessage(app core.App, me, m *core.Record, reason string) (*core.Record, error) {
	c, err := app.FindCachedCollectionByNameOrId("reports")
	if err != nil {
		return nil, err
	}
	already := func() bool {
		n := 0
		_ = app.DB().NewQuery("SELECT COUNT(*) FROM reports WHERE message = {:m} AND reporter = {:r}").
			Bind(dbx.Params{"m": m.Id, "r": me.Id}).Row(&n)
		return n > 0
	}
	if already() {
		return nil, api.Detail(http.StatusBadRequest, msgAlreadyReported)
	}
	r := core.NewRecord(c)
	r.Set("message", m.Id)
	r.Set("reporter", me.Id)
	r.Set("reason", reason)
	if err := app.Save(r); err != nil {
		if already() { // a twin request won the race (the index is unique)
			return nil, api.Detail(http.StatusBadRequest, msgAlreadyReported)
		}
		return nil, api.FromValidation(err)
	}
	return r, nil
}

// Resolution is a moderator's decision on a report.
type Resolution struct {
	Action  string // ActionDismiss, ActionDelete, ActionMute or ActionBan
	Minutes int    // mute/ban: 0 = for good
	Reason  string
}

// ResolveReport applies res to the message of report (an open one) in one
// transaction, as actor (a moderator of its room or a superuser), and
// resolves every open report of that message with it.
func ResolveReport(app core.App, actor, report *core.Record, res Resolution) error {
	if report.GetString("status") != StatusOpen {
		return api.Detail(http.StatusBadRequest, msgAlreadyResolved)
	}
	room, err := app.FindRecordById("rooms", report.GetString("room"))
	if err != nil {
		return api.NotFound()
	}
	m, err := app.FindRecordById("messages", report.GetString("message"))
	if err != nil {
		return api.NotFound()
	}
	target := m.GetString("sender")
	var sender *core.Record
	if res.Action == ActionMute || res.Action == ActionBan {
		if sender, err = app.FindRecordById("users", target); err != nil {
			return api.NotFound()
		}
		if err := CheckActs(app, actor, room, sender); err != nil {
			return err
		}
	}
	status := StatusActioned
	if res.Action == ActionDismiss {
		status = StatusDismissed
	}
	return app.RunInTransaction(func(tx core.App) error {
		m, err := tx.FindRecordById("messages", m.Id)
		if err != nil {
			return api.NotFound()
		}
		switch res.Action {
		case ActionDismiss:
			if m.GetBool("hidden") && m.GetDateTime("deleted_at").IsZero() {
				m.Set("hidden", false)
				if err := tx.Save(m); err != nil {
					return err
				}
			}
		case ActionDelete:
			if m.GetDateTime("deleted_at").IsZero() {
				m.Set("deleted_at", types.NowDateTime())
				m.Set("deleted_by", api.MemberId(actor))
				m.Set("hidden", false)
				m.Set(hooks.EditorKey, api.MemberId(actor))
				if err := tx.Save(m); err != nil {
					return err
				}
			}
		case ActionMute:
			if _, err := Mute(tx, actor, room, sender, res.Minutes, res.Reason); err != nil {
				return err
			}
		case ActionBan:
			if _, err := Ban(tx, actor, room, sender, res.Minutes, res.Reason); err != nil {
				return err
			}
		default:
			return api.FieldError("action", `"`+res.Action+`" is not a valid choice.`)
		}
		open, err := tx.FindAllRecords("reports", dbx.HashExp{"message": m.Id, "status": StatusOpen})
		if err != nil {
			return err
		}
		for _, r := range open {
			r.Set("status", status)
			r.Set("resolved_by", api.MemberId(actor))
			r.Set("resolution", res.Action)
			if err := tx.Save(r); err != nil {
				return err
			}
			if r.Id == report.Id {
				report.Load(r.FieldsData())
			}
		}
		detail := map[string]any{"report": report.Id, "action": res.Action}
		if res.Minutes > 0 {
			detail["minutes"] = res.Minutes
		}
		return chat.WriteModerationLog(tx, chat.ModerationEntry{
			Room: room.Id, Actor: api.MemberId(actor), Action: logResolveReport, Target: target, Message: m.Id,
			Reason: res.Reason, Detail: detail,
		})
	})
}

// reportFromPath is the report of the route's {id}: 404 when unknown.
func reportFromPath(app core.App, id string) (*core.Record, error) {
	r, err := app.FindRecordById("reports", id)
	if err != nil {
		return nil, api.NotFound()
	}
	return r, nil
}
