package users

import (
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
)

// findMemberByEmail finds the member with email: the exact address first,
// else one that differs only in letter case (users type "Me@x.io" and
// "me@x.io" for the same mailbox, and PocketBase stores e-mails as given).
// nil when there is none.
func findMemberByEmail(app core.App, email string) *core.Record {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil
	}
	if user, err := app.FindAuthRecordByEmail(api.MemberCollection, email); err == nil {
		return user
	}
	user := &core.Record{}
	err := app.RecordQuery(api.MemberCollection).
		AndWhere(dbx.NewExp("[[email]] = {:email} COLLATE NOCASE", dbx.Params{"email": email})).
		OrderBy("created ASC", "id ASC").
		Limit(1).
		One(user)
	if err != nil {
		return nil
	}
	return user
}
