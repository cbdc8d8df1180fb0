package users

import (
	"errors"
	"net/http"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"

	"github.com/cobraspace/cobraspace/internal/api"
)

// msgServerError is Django's answer to an unexpected failure.
const msgServerError = "A server error occurred."

// serverErrors makes every unexpected error of action (a database failure,
// not a client mistake) a logged 500 {"detail": "A server error occurred."}:
// PocketBase's own error handler would answer a plain error with 400, as if
// the client had sent something wrong. Problems and PocketBase's API errors
// are answers already and pass unchanged.
func serverErrors(action func(*core.RequestEvent) error) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		err := action(e)
		if err == nil {
			return nil
		}
		var p *api.Problem
		var apiErr *router.ApiError
		if errors.As(err, &p) || errors.As(err, &apiErr) {
			return err
		}
		return api.Detail(http.StatusInternalServerError, msgServerError).WithCause(err)
	}
}
