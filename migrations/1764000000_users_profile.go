package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Turns PocketBase's default "users" auth collection into the Cobra Space
// member profile (nickname, picture, bio, contact number, status, privacy).
func init() {
	m.Register(func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}

		users.Fields.RemoveByName("name")
		users.Fields.RemoveByName("avatar")
		users.Fields.Add(
			&core.TextField{Name: "nickname", Max: 20, Presentable: true},
			&core.FileField{
				Name:      "profile_picture",
				MaxSelect: 1,
				MaxSize:   5 << 20, // 5 MiB
				MimeTypes: []string{"image/jpeg", "image/png", "image/gif", "image/webp"},
				Thumbs:    []string{"100x100", "300x300"},
			},
			&core.TextField{Name: "bio", Max: 500},
			&core.TextField{Name: "contact_number", Max: 15, Pattern: `^[0-9+\-() ]*$`},
			&core.SelectField{Name: "status", MaxSelect: 1, Values: []string{"available", "away", "busy"}},
			&core.BoolField{Name: "is_private"},
		)
		// serves case-insensitive e-mail lookups (PocketBase's own index is exact)
		users.AddIndex("idx_users_email_nocase", false, "`email` COLLATE NOCASE", "")
		users.OAuth2.MappedFields.Name = "nickname"
		users.OAuth2.MappedFields.AvatarURL = "profile_picture"

		// list/view rules need the friends collection: set in the next migration.
		users.CreateRule = types.Pointer("")
		users.UpdateRule = types.Pointer(`id = @request.auth.id`)
		users.DeleteRule = types.Pointer(`id = @request.auth.id`)

		return app.Save(users)
	}, func(app core.App) error {
		users, err := app.FindCollectionByNameOrId("users")
		if err != nil {
			return err
		}
		for _, name := range []string{"nickname", "profile_picture", "bio", "contact_number", "status", "is_private"} {
			users.Fields.RemoveByName(name)
		}
		users.Fields.Add(
			&core.TextField{Name: "name", Max: 255},
			&core.FileField{Name: "avatar", MaxSelect: 1, MimeTypes: []string{"image/jpeg", "image/png", "image/svg+xml", "image/gif", "image/webp"}},
		)
		users.RemoveIndex("idx_users_email_nocase")
		users.OAuth2.MappedFields.Name = "name"
		users.OAuth2.MappedFields.AvatarURL = "avatar"
		owner := "id = @request.auth.id"
		users.ListRule, users.ViewRule = types.Pointer(owner), types.Pointer(owner)
		users.UpdateRule, users.DeleteRule = types.Pointer(owner), types.Pointer(owner)
		return app.Save(users)
	})
}
