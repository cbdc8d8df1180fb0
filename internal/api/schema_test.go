package api_test

import (
	"testing"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

// TestTextMax reads field limits from the stored schema, and follows a
// change made in the dashboard.
func TestTextMax(t *testing.T) {
	app := testutil.NewApp(t)
	if got := api.TextMax(app, "messages", "message"); got != 2000 {
		t.Errorf("messages.message max = %d, want 2000", got)
	}
	if got := api.TextMax(app, "nope", "message") + api.TextMax(app, "messages", "nope"); got != 0 {
		t.Errorf("unknown collection or field: %d, want 0", got)
	}
	rooms, err := app.FindCollectionByNameOrId("rooms")
	if err != nil {
		t.Fatal(err)
	}
	rooms.Fields.GetByName("name").(*core.TextField).Max = 42
	if err := app.Save(rooms); err != nil {
		t.Fatal(err)
	}
	if got := api.TextMax(app, "rooms", "name"); got != 42 {
		t.Errorf("rooms.name max after a schema change = %d, want 42", got)
	}
}
