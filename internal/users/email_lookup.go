package users

import (
	"database/sql"
	"errors"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
)

// findMemberByEmail finds the member whose e-mail is email in any letter
// case (users type "Me@x.io" and "me@x.io" for the same mailbox). The
// users e-mail index is unique ignoring case (migration
// 1764000005_users_email_nocase), so there is at most one, and PocketBase
// compares case-insensitively because of it. (nil, nil) when there is
// none; other errors are the database's.
func findMemberByEmail(app core.App, email string) (*core.Record, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil, nil
	}
	user, err := app.FindAuthRecordByEmail(api.MemberCollection, email)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return user, nil
}
