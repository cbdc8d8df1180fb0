package auth

import (
	"github.com/pocketbase/pocketbase/core"
)

// EmailFor is user's e-mail as viewer may see it: their own, or one the
// owner made visible (PocketBase's emailVisibility), else nil.
func EmailFor(viewer, user *core.Record) any {
	if (viewer != nil && viewer.Id == user.Id) || user.EmailVisibility() {
		return user.Email()
	}
	return nil
}
