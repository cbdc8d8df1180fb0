package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// friends: one row per direction ("user" keeps "friend" on their list).
// login_sessions: the sessions opened by POST /user/login/; a token that
// names a session is valid only while its row exists (logout deletes it).
// revoked_tokens: hashes of plain auth tokens ended by /user/logout/.
func init() {
	m.Register(func(app core.App) error {
		friends := core.NewBaseCollection("friends")
		friends.Fields.Add(
			&core.RelationField{Name: "user", CollectionId: "_pb_users_auth_", MaxSelect: 1, Required: true, CascadeDelete: true},
			&core.RelationField{Name: "friend", CollectionId: "_pb_users_auth_", MaxSelect: 1, Required: true, CascadeDelete: true},
			&core.AutodateField{Name: "created", OnCreate: true},
			&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
		)
		friends.AddIndex("idx_friends_user_friend", true, "`user`, `friend`", "")
		friends.AddIndex("idx_friends_friend", false, "`friend`", "")
		friends.ListRule = types.Pointer(`user = @request.auth.id`)
		friends.ViewRule = types.Pointer(`user = @request.auth.id`)
		friends.CreateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && (@request.body.user:isset = false || @request.body.user = @request.auth.id) && friend != @request.auth.id`)
		friends.DeleteRule = types.Pointer(`user = @request.auth.id`)
		if err := app.Save(friends); err != nil {
			return err
		}

		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		users.ListRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && (id = @request.auth.id || is_private = false || friends_via_user.friend ?= @request.auth.id)`)
		users.ViewRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && (id = @request.auth.id || is_private = false || friends_via_user.friend ?= @request.auth.id)`)
		if err := app.Save(users); err != nil {
			return err
		}

		sessions := core.NewBaseCollection("login_sessions")
		sessions.Fields.Add(
			&core.RelationField{Name: "user", CollectionId: "_pb_users_auth_", MaxSelect: 1, Required: true, CascadeDelete: true},
			&core.TextField{Name: "refresh_jti", Required: true, Hidden: true, Max: 64},
			&core.DateField{Name: "expires", Required: true},
			&core.TextField{Name: "user_agent", Max: 300},
			&core.TextField{Name: "ip", Max: 64},
			&core.AutodateField{Name: "created", OnCreate: true},
			&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
		)
		sessions.AddIndex("idx_login_sessions_user", false, "`user`", "")
		sessions.AddIndex("idx_login_sessions_expires", false, "`expires`", "")
		// no rules: superusers only (dashboard); members use /user/logout/.
		if err := app.Save(sessions); err != nil {
			return err
		}

		revoked := core.NewBaseCollection("revoked_tokens")
		revoked.Fields.Add(
			&core.TextField{Name: "token_hash", Required: true, Max: 64},
			&core.DateField{Name: "expires", Required: true},
			&core.AutodateField{Name: "created", OnCreate: true},
		)
		revoked.AddIndex("idx_revoked_tokens_hash", true, "`token_hash`", "")
		revoked.AddIndex("idx_revoked_tokens_expires", false, "`expires`", "")
		return app.Save(revoked)
	}, func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		users.ListRule = types.Pointer(`id = @request.auth.id`)
		users.ViewRule = types.Pointer(`id = @request.auth.id`)
		if err := app.Save(users); err != nil {
			return err
		}
		return deleteCollections(app, "revoked_tokens", "login_sessions", "friends")
	})
}

func deleteCollections(app core.App, names ...string) error {
	for _, name := range names {
		c, err := app.FindCollectionByNameOrId(name)
		if err != nil {
			continue // already gone
		}
		if err := app.Delete(c); err != nil {
			return err
		}
	}
	return nil
}
