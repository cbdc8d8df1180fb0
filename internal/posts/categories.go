package posts

import (
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
)

// listCategories: GET /api/post/categories/ → [{"id","name"}], by name.
func listCategories(e *core.RequestEvent) error {
	categories, err := e.App.FindRecordsByFilter("categories", "", "name", 0, 0)
	if err != nil {
		return err
	}
	out := make([]categoryJSON, len(categories))
	for i, c := range categories {
		out[i] = categoryJSON{Id: c.Id, Name: c.GetString("name")}
	}
	return e.JSON(http.StatusOK, out)
}

// createCategory: POST /api/post/categories/ {"name"} — superusers only,
// as the categories create rule says.
func createCategory(e *core.RequestEvent) error {
	if e.Auth == nil {
		return api.Unauthorized(e)
	}
	if !e.HasSuperuserAuth() {
		return api.Forbidden()
	}
	body, err := api.ReadBody(e, api.MaxJSONBody)
	if err != nil {
		return err
	}
	fe := api.FieldErrors{}
	name := strings.TrimSpace(body.RequiredString(fe, "name"))
	if err := fe.Err(); err != nil {
		return err
	}
	if findCategory(e.App, name) != nil {
		return api.FieldError("name", "category with this name already exists.")
	}
	collection, err := e.App.FindCachedCollectionByNameOrId("categories")
	if err != nil {
		return err
	}
	category := core.NewRecord(collection)
	category.Set("name", name)
	if err := e.App.Save(category); err != nil {
		return api.FromValidation(err)
	}
	return e.JSON(http.StatusCreated, categoryJSON{Id: category.Id, Name: category.GetString("name")})
}
