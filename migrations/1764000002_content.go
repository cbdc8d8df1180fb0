package migrations

import (
	"github.com/pocketbase/pocketbase/core"
	m "github.com/pocketbase/pocketbase/migrations"
	"github.com/pocketbase/pocketbase/tools/types"
)

// Fixed collection ids, so relations and tests can name them.
const (
	CategoriesId = "pbc_categories"
	TagsId       = "pbc_tags"
	PostsId      = "pbc_posts"
	RoomsId      = "pbc_rooms"
	MessagesId   = "pbc_messages"
	usersId      = "_pb_users_auth_"
)

// categories, tags, posts and their chat rooms and messages.
func init() {
	m.Register(func(app core.App) error {
		for _, build := range []func() *core.Collection{
			categoriesCollection, tagsCollection, postsCollection, roomsCollection, messagesCollection,
		} {
			if err := app.Save(build()); err != nil {
				return err
			}
		}
		// a self relation can only be added once the collection exists
		messages, err := app.FindCollectionByNameOrId(MessagesId)
		if err != nil {
			return err
		}
		messages.Fields.AddAt(3, &core.RelationField{Name: "parent_chat", CollectionId: MessagesId, MaxSelect: 1})
		messages.AddIndex("idx_messages_parent_chat", false, "`parent_chat`", "")
		return app.Save(messages)
	}, func(app core.App) error {
		return deleteCollections(app, "messages", "rooms", "posts", "tags", "categories")
	})
}

func timestamps() []core.Field {
	return []core.Field{
		&core.AutodateField{Name: "created", OnCreate: true},
		&core.AutodateField{Name: "updated", OnCreate: true, OnUpdate: true},
	}
}

func categoriesCollection() *core.Collection {
	c := core.NewBaseCollection("categories", CategoriesId)
	c.Fields.Add(&core.TextField{Name: "name", Required: true, Max: 45, Presentable: true})
	c.Fields.Add(timestamps()...)
	c.AddIndex("idx_categories_name", true, "`name` COLLATE NOCASE", "")
	c.ListRule = types.Pointer("")
	c.ViewRule = types.Pointer("")
	return c
}

func tagsCollection() *core.Collection {
	c := core.NewBaseCollection("tags", TagsId)
	c.Fields.Add(&core.TextField{Name: "name", Required: true, Max: 30, Presentable: true})
	c.Fields.Add(timestamps()...)
	c.AddIndex("idx_tags_name", true, "`name` COLLATE NOCASE", "")
	c.ListRule = types.Pointer("")
	c.ViewRule = types.Pointer("")
	c.CreateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users"`)
	return c
}

func postsCollection() *core.Collection {
	c := core.NewBaseCollection("posts", PostsId)
	zero := 0.0
	c.Fields.Add(
		&core.TextField{Name: "title", Required: true, Max: 200, Presentable: true},
		&core.TextField{Name: "content", Max: 50000},
		&core.RelationField{Name: "category", CollectionId: CategoriesId, MaxSelect: 1, Required: true},
		&core.RelationField{Name: "writer", CollectionId: usersId, MaxSelect: 1, Required: true, CascadeDelete: true},
		&core.RelationField{Name: "tags", CollectionId: TagsId, MaxSelect: 20},
		&core.NumberField{Name: "hit", OnlyInt: true, Min: &zero},
	)
	c.Fields.Add(timestamps()...)
	c.AddIndex("idx_posts_created", false, "`created`", "")
	c.AddIndex("idx_posts_category", false, "`category`", "")
	c.AddIndex("idx_posts_writer", false, "`writer`", "")
	c.ListRule = types.Pointer("")
	c.ViewRule = types.Pointer("")
	c.CreateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && (@request.body.writer:isset = false || @request.body.writer = @request.auth.id) && @request.body.hit:isset = false`)
	c.UpdateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && writer = @request.auth.id && (@request.body.writer:isset = false || @request.body.writer = @request.auth.id) && @request.body.hit:isset = false`)
	c.DeleteRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && writer = @request.auth.id`)
	return c
}

func roomsCollection() *core.Collection {
	c := core.NewBaseCollection("rooms", RoomsId)
	c.Fields.Add(
		&core.TextField{Name: "name", Required: true, Max: 100, Presentable: true},
		&core.RelationField{Name: "owner", CollectionId: usersId, MaxSelect: 1, Required: true, CascadeDelete: true},
		&core.RelationField{Name: "post", CollectionId: PostsId, MaxSelect: 1, CascadeDelete: true},
	)
	c.Fields.Add(timestamps()...)
	// unique among post rooms; the plain index serves lookups by post with
	// a bound value (which the partial index cannot), e.g. cascades
	c.AddIndex("idx_rooms_post", true, "`post`", "`post` != ''")
	c.AddIndex("idx_rooms_post_lookup", false, "`post`", "")
	c.AddIndex("idx_rooms_owner", false, "`owner`", "")
	c.ListRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && (post != "" || owner = @request.auth.id || owner.friends_via_user.friend ?= @request.auth.id)`)
	c.ViewRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && (post != "" || owner = @request.auth.id || owner.friends_via_user.friend ?= @request.auth.id)`)
	c.CreateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && @request.body.post:isset = false && (@request.body.owner:isset = false || @request.body.owner = @request.auth.id)`)
	c.UpdateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && owner = @request.auth.id && @request.body.post:isset = false && @request.body.owner:isset = false`)
	c.DeleteRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && owner = @request.auth.id && post = ""`)
	return c
}

func messagesCollection() *core.Collection {
	c := core.NewBaseCollection("messages", MessagesId)
	c.Fields.Add(
		&core.RelationField{Name: "room", CollectionId: RoomsId, MaxSelect: 1, Required: true, CascadeDelete: true},
		&core.RelationField{Name: "sender", CollectionId: usersId, MaxSelect: 1, Required: true, CascadeDelete: true},
		&core.TextField{Name: "message", Required: true, Max: 2000},
		&core.SelectField{Name: "message_type", MaxSelect: 1, Values: []string{"text", "system"}},
	)
	c.Fields.Add(timestamps()...)
	c.AddIndex("idx_messages_room_created", false, "`room`, `created`", "")
	c.AddIndex("idx_messages_sender", false, "`sender`", "")
	c.ListRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && (room.post != "" || room.owner = @request.auth.id || room.owner.friends_via_user.friend ?= @request.auth.id)`)
	c.ViewRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && (room.post != "" || room.owner = @request.auth.id || room.owner.friends_via_user.friend ?= @request.auth.id)`)
	c.CreateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && (room.post != "" || room.owner = @request.auth.id || room.owner.friends_via_user.friend ?= @request.auth.id) && (@request.body.sender:isset = false || @request.body.sender = @request.auth.id) && (@request.body.message_type:isset = false || @request.body.message_type = "text")`)
	c.UpdateRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && sender = @request.auth.id && @request.body.room:isset = false && @request.body.sender:isset = false && @request.body.message_type:isset = false`)
	c.DeleteRule = types.Pointer(`@request.auth.id != "" && @request.auth.collectionName = "users" && sender = @request.auth.id`)
	return c
}
