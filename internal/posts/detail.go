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
	item := r.render(post)
	out := postDetailJSON{
		PostId:      post.Id,
		Title:       item.Title,
		Content:     item.Content,
		Tags:        item.Tags,
		Hit:         hit,
		Category:    item.Category,
		CategoryId:  item.CategoryId,
		CreatedAt:   item.CreatedAt,
		UpdatedAt:   item.UpdatedAt,
		RoomData:    roomData,
		CurrentUser: currentUserJSONOf(e.Auth),
	}
	if w := r.writers[post.GetString("writer")]; w != nil {
		out.Writer.detailWriterJSON = &detailWriterJSON{
			Id:             w.Id,
			Email:          nullable(auth.EmailFor(e.Auth, w)),
			Nickname:       w.GetString("nickname"),
			ProfilePicture: nullable(api.FileURL(w, "profile_picture")),
		}
	}
	return e.JSON(http.StatusOK, out)
}

// postDetailJSON is the answer of the post detail (docs/API.md), fields in
// the documented order.
type postDetailJSON struct {
	PostId      string          `json:"post_id"`
	Title       string          `json:"title"`
	Content     string          `json:"content"`
	Writer      writerOrEmpty   `json:"writer"`
	Tags        []tagJSON       `json:"tags"`
	Hit         int             `json:"hit"`
	Category    *string         `json:"category"`
	CategoryId  string          `json:"category_id"`
	CreatedAt   *string         `json:"created_at"`
	UpdatedAt   *string         `json:"updated_at"`
	RoomData    roomOrEmpty     `json:"room_data"` // chat.RoomData; {} without a room
	CurrentUser currentUserJSON `json:"current_user"`
}

// detailWriterJSON is the writer of a post in its detail; email is null
// unless the viewer may see it.
type detailWriterJSON struct {
	Id             string  `json:"id"`
	Email          *string `json:"email"`
	Nickname       string  `json:"nickname"`
	ProfilePicture *string `json:"profile_picture"`
}

// writerOrEmpty is the detail's writer, or {} when the writer's record is
// gone (as the untyped answer had it: a nil map is written as {}). The
// embedded pointer's fields are written in its place; a nil one writes none.
type writerOrEmpty struct{ *detailWriterJSON }

// currentUserJSON is the signed-in caller in the post detail; a
// superuser's profile_picture is null.
type currentUserJSON struct {
	Id             string  `json:"id"`
	Email          string  `json:"email"`
	Nickname       string  `json:"nickname"`
	ProfilePicture *string `json:"profile_picture"`
	IsSuperuser    bool    `json:"is_superuser"`
}

// roomOrEmpty is the post's room object, or {} when it has none (as the
// untyped answer had it); like writerOrEmpty.
type roomOrEmpty struct{ *chat.Room }

func postRoomData(e *core.RequestEvent, roomId string) (roomOrEmpty, error) {
	if roomId == "" {
		return roomOrEmpty{}, nil
	}
	room, err := e.App.FindRecordById("rooms", roomId)
	if err != nil {
		return roomOrEmpty{}, nil
	}
	data, err := chat.RoomData(e, room, e.Auth)
	return roomOrEmpty{data}, err
}

func currentUserJSONOf(auth *core.Record) currentUserJSON {
	out := currentUserJSON{
		Id:          auth.Id,
		Email:       auth.Email(),
		Nickname:    auth.GetString("nickname"),
		IsSuperuser: auth.IsSuperuser(),
	}
	if !auth.IsSuperuser() {
		out.ProfilePicture = nullable(api.FileURL(auth, "profile_picture"))
	}
	return out
}
