package search_test

import (
	"errors"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/chat/search"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// The index changes in the transaction of the message's write: a write
// that fails, or is rolled back by its caller, leaves it as it was.
func TestIndexUnchangedWhenWriteFails(t *testing.T) {
	app := testutil.NewApp(t)
	r := makeRooms(t, app)
	msg := send(t, app, r.post, testutil.BobId, "원래 문장 original")
	find := func(text string) []string {
		t.Helper()
		ids, err := search.MessageIds(app, search.Query{Text: text, Viewer: testutil.CarolId, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return ids
	}
	docs := testutil.Count(t, app, "chat_search_docs", nil)

	boom := errors.New("boom")
	failing := false
	fail := func(e *core.RecordEvent) error {
		if err := e.Next(); err != nil {
			return err
		}
		if failing {
			return boom
		}
		return nil
	}
	// bound after the index hooks: runs inside their e.Next(), after the row is written
	app.OnRecordCreateExecute("messages").BindFunc(fail)
	app.OnRecordUpdateExecute("messages").BindFunc(fail)
	app.OnRecordDeleteExecute("messages").BindFunc(fail)
	rolledBack := func(fn func(tx core.App) error) error {
		return app.RunInTransaction(func(tx core.App) error {
			if err := fn(tx); err != nil {
				return err
			}
			return boom
		})
	}
	cases := map[string]func() error{
		"create fails": func() error {
			failing = true
			return testutil.SaveRecord(app, "messages", map[string]any{"room": r.post, "sender": testutil.BobId, "message": "실패 failmark"})
		},
		"edit fails": func() error {
			failing = true
			m := testutil.MustFind(t, app, "messages", msg.Id)
			m.Set("message", "실패 failmark")
			return app.Save(m)
		},
		"soft delete fails": func() error {
			failing = true
			m := testutil.MustFind(t, app, "messages", msg.Id)
			m.Set("message", "")
			m.Set("deleted_at", time.Now())
			return app.Save(m)
		},
		"delete fails": func() error {
			failing = true
			return app.Delete(testutil.MustFind(t, app, "messages", msg.Id))
		},
		"create rolled back": func() error {
			return rolledBack(func(tx core.App) error {
				return testutil.SaveRecord(tx, "messages", map[string]any{"room": r.post, "sender": testutil.BobId, "message": "실패 failmark"})
			})
		},
		"edit rolled back": func() error {
			return rolledBack(func(tx core.App) error {
				m, _ := tx.FindRecordById("messages", msg.Id)
				m.Set("message", "실패 failmark")
				return tx.Save(m)
			})
		},
		"room delete rolled back": func() error {
			return rolledBack(func(tx core.App) error {
				room, _ := tx.FindRecordById("rooms", r.post)
				return tx.Delete(room)
			})
		},
	}
	for name, do := range cases {
		t.Run(name, func(t *testing.T) {
			defer func() { failing = false }()
			if err := do(); err == nil {
				t.Fatal("the write did not fail")
			}
			failing = false
			if got := find("failmark"); len(got) != 0 {
				t.Errorf("text of a failed write found: %v", got)
			}
			if got := find("original"); len(got) != 1 || got[0] != msg.Id {
				t.Errorf("message lost from the index: %v", got)
			}
			if n := testutil.Count(t, app, "chat_search_docs", nil); n != docs {
				t.Errorf("%d documents, want %d", n, docs)
			}
		})
	}
}
