package posts

import (
	"database/sql"
	"errors"
	"net/http"

	"github.com/pocketbase/dbx"
	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
	"github.com/cobraspace/cobraspace/internal/auth"
	"github.com/cobraspace/cobraspace/internal/chat"
)

// addView counts one view of a post in a single UPDATE, so concurrent
// views never lose an increment, and returns the new count. It bypasses
// record hooks on purpose: a view changes neither the post's content nor
// its "updated" time.
func addView(app core.App, postId string) (int, error) {
	var hit int
	err := app.NonconcurrentDB().
		NewQuery("UPDATE posts SET hit = hit + 1 WHERE id = {:id} RETURNING hit").
		Bind(dbx.Params{"id": postId}).
		Row(&hit)
	return hit, err
}

// postDetail: GET /api/post/detail/{id}/ — adds a view and answers the
// post with its writer, tags, category, room and the current user.
func postDetail(e *core.RequestEvent) error {
	if e.Auth == nil {
		return api.Unauthorized(e)
	}
	id := e.Request.PathValue("id")
	hit, err := addView(e.App, id)
	if errors.Is(err, sql.ErrNoRows) {
		return api.NotFound()
	}
	if err != nil {
		return err
	}
	post, err := e.App.FindRecordById("posts", id)
	if err != nil {
		return api.NotFound() // deleted in between
	}
	r, err := loadRelated(e.App, []*core.Record{post})
	if err != nil {
		return err
	}
	roomData, err := postRoomData(e, r.rooms[post.Id])
	if err != nil {
		return err
	}
	var writer map[string]any
	if w := r.writers[post.GetString("writer")]; w != nil {
		writer = map[string]any{
			"id":              w.Id,
			"email":           auth.EmailFor(e.Auth, w),
			"nickname":        w.GetString("nickname"),
			"profile_picture": api.FileURL(w, "profile_picture"),
		}
	}
	item := r.postJSON(post)
	return e.JSON(http.StatusOK, map[string]any{
		"post_id":      post.Id,
		"title":        item["title"],
		"content":      item["content"],
		"writer":       writer,
		"tags":         item["tags"],
		"hit":          hit,
		"category":     item["category"],
		"category_id":  item["category_id"],
		"created_at":   item["created_at"],
		"updated_at":   item["updated_at"],
		"room_data":    roomData,
		"current_user": currentUserJSON(e.Auth),
	})
}

func postRoomData(e *core.RequestEvent, roomId string) (map[string]any, error) {
	if roomId == "" {
		return nil, nil
	}
	room, err := e.App.FindRecordById("rooms", roomId)
	if err != nil {
		return nil, nil
	}
	return chat.RoomData(e, room, e.Auth, "")
}

func currentUserJSON(auth *core.Record) map[string]any {
	out := map[string]any{
		"id":              auth.Id,
		"email":           auth.Email(),
		"nickname":        auth.GetString("nickname"),
		"profile_picture": nil,
		"is_superuser":    auth.IsSuperuser(),
	}
	if !auth.IsSuperuser() {
		out["profile_picture"] = api.FileURL(auth, "profile_picture")
	}
	return out
}
