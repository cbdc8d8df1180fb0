package posts

import (
	"errors"
	"net/http"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/hooks"
	"github.com/cobraspace/cobraspace/internal/api"
)

// writePost: POST /api/post/write/ — the writer is the signed-in member,
// within the post creation limit (429 beyond it; refused requests are not
// read).
func writePost(e *core.RequestEvent, me *core.Record) error {
	if ok, wait := allowPostCreate(e.App, me.Id); !ok {
		return api.Throttled(wait)
	}
	form, err := readPostForm(e, false)
	if err != nil {
		return err
	}
	collection, err := e.App.FindCachedCollectionByNameOrId("posts")
	if err != nil {
		return err
	}
	post := core.NewRecord(collection)
	post.Set("writer", me.Id)
	if err := form.save(e.App, post); err != nil {
		return api.FromValidation(err)
	}
	out, err := onePostJSON(e.App, post)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusCreated, out)
}

// findOwnPost loads the post of the path and checks that the request may
// change it: its writer or a superuser, as the posts update/delete rules say.
func findOwnPost(e *core.RequestEvent) (*core.Record, error) {
	if e.Auth == nil {
		return nil, api.Unauthorized(e)
	}
	post, err := e.App.FindRecordById("posts", e.Request.PathValue("id"))
	if err != nil {
		return nil, api.NotFound()
	}
	if !e.HasSuperuserAuth() && post.GetString("writer") != e.Auth.Id {
		return nil, api.Forbidden()
	}
	return post, nil
}

// editPost: GET (the current post), POST/PUT/PATCH (partial update; tags
// replaced by the given list) /api/post/detail/{id}/edit/. A post deleted
// while the edit was under way is a 404: the save fails in its transaction.
func editPost(e *core.RequestEvent) error {
	post, err := findOwnPost(e)
	if err != nil {
		return err
	}
	if e.Request.Method != http.MethodGet {
		form, err := readPostForm(e, true)
		if err != nil {
			return err
		}
		err = form.save(e.App, post)
		if errors.Is(err, hooks.ErrGone) {
			return api.NotFound().WithCause(err) // deleted since findOwnPost
		}
		if err != nil {
			return api.FromValidation(err)
		}
	}
	out, err := onePostJSON(e.App, post)
	if err != nil {
		return err
	}
	return e.JSON(http.StatusOK, out)
}

// deletePost: POST/DELETE /api/post/detail/{id}/delete/ — 204; the room
// and its messages go with it.
func deletePost(e *core.RequestEvent) error {
	post, err := findOwnPost(e)
	if err != nil {
		return err
	}
	if err := e.App.Delete(post); err != nil {
		return err
	}
	return e.NoContent(http.StatusNoContent)
}
