package auth

import (
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
)

// EmailFor is user's e-mail as viewer may see it: their own, or one the
// owner made visible (PocketBase's emailVisibility), else null ("").
func EmailFor(viewer, user *core.Record) api.NullString {
	if (viewer != nil && viewer.Id == user.Id) || user.EmailVisibility() {
		return api.NullString(user.Email())
	}
	return ""
}
