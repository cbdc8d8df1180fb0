package migrations

import (
	"fmt"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/dbutils"
)

// One account per mailbox: the unique index of users.email becomes
// case-insensitive (`email` COLLATE NOCASE, ASCII letters), so "Jane@x.io"
// cannot sign up when "jane@x.io" exists, whichever API creates or changes
// the member. PocketBase recognises a NOCASE unique e-mail index as its own
// (it keeps it on every collection save) and then looks e-mails up
// case-insensitively itself (auth-with-password, password reset...).
//
// Existing members whose e-mails differ only in letter case are never
// merged or changed here: the migration fails, naming them, and an
// operator decides which account keeps the address.
//
// Frozen: it spells out what it does instead of reusing code that may change.
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		if err := refuseCaseVariants(app); err != nil {
			return err
		}
		setEmailIndex(users, "`email` COLLATE NOCASE")
		// the unique index serves case-insensitive lookups now
		users.RemoveIndex("idx_users_email_nocase")
		return app.Save(users)
	}, func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		setEmailIndex(users, "`email`") // PocketBase's stock index
		users.AddIndex("idx_users_email_nocase", false, "`email` COLLATE NOCASE", "")
		return app.Save(users)
	})
}

// setEmailIndex replaces the unique e-mail index of users (keeping its
// name) with one on column, for non-empty e-mails as PocketBase's own.
func setEmailIndex(users *core.Collection, column string) {
	name := "idx_email_" + users.Id
	if existing, ok := dbutils.FindSingleColumnUniqueIndex(users.Indexes, "email"); ok {
		name = existing.IndexName
		users.RemoveIndex(name)
	}
	users.AddIndex(name, true, column, "`email` != ''")
}

// refuseCaseVariants fails when some e-mails are stored in several
// letter-case variants, listing them.
func refuseCaseVariants(app core.App) error {
	var groups []struct {
		Emails string `db:"emails"`
	}
	err := app.DB().NewQuery(
		"SELECT group_concat([[email]], ', ') AS [[emails]] FROM {{users}} " +
			"WHERE [[email]] != '' GROUP BY [[email]] COLLATE NOCASE HAVING count(*) > 1 " +
			"ORDER BY min([[email]]) COLLATE NOCASE",
	).All(&groups)
	if err != nil {
		return err
	}
	if len(groups) == 0 {
		return nil
	}
	list := make([]string, len(groups))
	for i, g := range groups {
		list[i] = "[" + g.Emails + "]"
	}
	return fmt.Errorf("users: %d e-mail addresses belong to several members in different letter case: %s; "+
		"decide which member keeps each address and change or delete the others, then migrate again",
		len(groups), strings.Join(list, " "))
}
