package users

import (
	"database/sql"
	"errors"
	"strings"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
)

// findMemberByEmail finds the member with email: the exact address first,
// else one that differs only in letter case (users type "Me@x.io" and
// "me@x.io" for the same mailbox, and PocketBase stores e-mails as given).
// (nil, nil) when there is none; other errors are the database's.
func findMemberByEmail(app core.App, email string) (*core.Record, error) {
	email = strings.TrimSpace(email)
	if email == "" {
		return nil, nil
	}
	user, err := app.FindAuthRecordByEmail(api.MemberCollection, email)
	if err == nil {
		return user, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	user = &core.Record{}
	err = app.RecordQuery(api.MemberCollection).
		AndWhere(dbx.NewExp("[[email]] = {:email} COLLATE NOCASE", dbx.Params{"email": email})).
		OrderBy("created ASC", "id ASC").
		Limit(1).
		One(user)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return user, nil
}
