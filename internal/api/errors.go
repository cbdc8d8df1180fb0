// Package api holds the HTTP conventions shared by every documented route:
// Django REST framework error shapes, body decoding with limits, field
// validation, trailing-slash routing, time and file formatting.
package api

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/router"
)

// Messages of Django REST framework that existing clients match on.
const (
	MsgNotAuthenticated = "Authentication credentials were not provided."
	MsgTokenNotValid    = "Given token not valid for any token type"
	MsgForbidden        = "You do not have permission to perform this action."
	MsgNotFound         = "Not found."
	MsgRequired         = "This field is required."
	MsgNotString        = "Not a valid string."
	MsgNotBoolean       = "Must be a valid boolean."
)

// MaxLength is DRF's message for a string over n characters.
func MaxLength(n int) string {
	return fmt.Sprintf("Ensure this field has no more than %d characters.", n)
}

// InvalidPk is DRF's message for a reference to an unknown record.
func InvalidPk(key string) string {
	return fmt.Sprintf("Invalid pk %q - object does not exist.", key)
}

// Problem is an error that answers with a JSON body and a 4xx status.
// Handlers registered with Handle may return one from anywhere. Cause keeps
// the error that led to it (errors.Is/As see it; it is never sent to the
// client); Header holds headers the answer must carry (Retry-After).
type Problem struct {
	Status int
	Body   any
	Header http.Header
	Cause  error
}

func (p *Problem) Error() string {
	if p.Cause != nil {
		return http.StatusText(p.Status) + ": " + p.Cause.Error()
	}
	return http.StatusText(p.Status)
}

func (p *Problem) Unwrap() error { return p.Cause }

// WithCause is p remembering the error that led to it.
func (p *Problem) WithCause(cause error) *Problem {
	p.Cause = cause
	return p
}

// Throttled is DRF's 429 {"detail": "Request was throttled. Expected
// available in N seconds."} with the same N in Retry-After.
func Throttled(wait time.Duration) *Problem {
	seconds := int(math.Ceil(wait.Seconds()))
	if seconds < 1 {
		seconds = 1
	}
	p := Detail(http.StatusTooManyRequests, fmt.Sprintf("Request was throttled. Expected available in %d seconds.", seconds))
	p.Header = http.Header{"Retry-After": []string{strconv.Itoa(seconds)}}
	return p
}

// Detail is the DRF general error shape {"detail": msg}.
func Detail(status int, msg string) *Problem {
	return &Problem{Status: status, Body: map[string]string{"detail": msg}}
}

// NotFound is 404 {"detail": "Not found."}.
func NotFound() *Problem { return Detail(http.StatusNotFound, MsgNotFound) }

// Forbidden is 403 with DRF's permission message.
func Forbidden() *Problem { return Detail(http.StatusForbidden, MsgForbidden) }

// Unauthorized is 401; like Simple JWT it tells a missing token from a
// rejected one.
func Unauthorized(e *core.RequestEvent) *Problem {
	if e.Request.Header.Get("Authorization") != "" || e.Request.URL.Query().Get("token") != "" {
		return &Problem{Status: http.StatusUnauthorized, Body: map[string]string{
			"detail": MsgTokenNotValid,
			"code":   "token_not_valid",
		}}
	}
	return Detail(http.StatusUnauthorized, MsgNotAuthenticated)
}

// FieldErrors is the DRF validation error shape {"field": ["msg", ...]}.
type FieldErrors map[string][]string

// Add records msg for field.
func (fe FieldErrors) Add(field, msg string) {
	fe[field] = append(fe[field], msg)
}

// Err is nil when nothing was recorded, else a 400 Problem.
func (fe FieldErrors) Err() error {
	if len(fe) == 0 {
		return nil
	}
	return &Problem{Status: http.StatusBadRequest, Body: fe}
}

// FieldError is a 400 Problem for a single field.
func FieldError(field, msg string) *Problem {
	fe := FieldErrors{}
	fe.Add(field, msg)
	return fe.Err().(*Problem)
}

// FromValidation converts record validation errors (PocketBase's
// ozzo-validation fork, which its fields and our hooks use) into a 400
// Problem in the DRF shape; other errors are returned unchanged. A limit of
// the schema speaks with DRF's one message for its code, whichever API
// hit it (see drfMessage).
func FromValidation(err error) error {
	var verrs validation.Errors
	if !errors.As(err, &verrs) {
		return err
	}
	fe := FieldErrors{}
	for field, ferr := range verrs {
		var nested validation.Errors
		if errors.As(ferr, &nested) {
			fe.Add(field, strings.TrimSuffix(nested.Error(), "."))
			continue
		}
		fe.Add(field, drfMessage(ferr))
	}
	return fe.Err()
}

// limitOf is the limit a text-length error names: its parameter, or the
// number in its message (PocketBase's password field sets no parameter).
func limitOf(verr validation.Error, param string) (int, bool) {
	if n, ok := verr.Params()[param].(int); ok {
		return n, true
	}
	var n int
	for _, word := range strings.Fields(verr.Message()) {
		if _, err := fmt.Sscanf(word, "%d", &n); err == nil {
			return n, true
		}
	}
	return 0, false
}

// MinLength is DRF's message for a string under n characters.
func MinLength(n int) string {
	return fmt.Sprintf("Ensure this field has at least %d characters.", n)
}

// drfMessage is DRF's message for a field error of PocketBase's
// validation: the text limits and a missing value have DRF's own words;
// other errors keep PocketBase's message (without its final period).
func drfMessage(ferr error) string {
	var verr validation.Error
	if errors.As(ferr, &verr) {
		switch verr.Code() {
		case "validation_max_text_constraint":
			if n, ok := limitOf(verr, "max"); ok {
				return MaxLength(n)
			}
		case "validation_min_text_constraint":
			if n, ok := limitOf(verr, "min"); ok {
				return MinLength(n)
			}
		case "validation_required":
			return MsgRequired
		}
	}
	return strings.TrimSuffix(ferr.Error(), ".")
}

// MsgServerError is Django's answer to an unexpected failure.
const MsgServerError = "A server error occurred."

// respond writes a Problem returned by a handler, with its headers. Any
// other unexpected error (a database failure, not a client mistake) becomes
// a logged 500 {"detail": "A server error occurred."}: PocketBase's own
// error handler would answer a plain error with 400, as if the client had
// sent something wrong. PocketBase's API errors are answers already and
// pass unchanged.
func respond(e *core.RequestEvent, err error) error {
	if err == nil {
		return nil
	}
	p := asProblem(err)
	if p == nil {
		return err
	}
	for name, values := range p.Header {
		for _, v := range values {
			e.Response.Header().Add(name, v)
		}
	}
	if p.Status >= 500 {
		e.App.Logger().Error("request failed", "method", e.Request.Method, "path", e.Request.URL.Path, "status", p.Status, "error", p.Cause)
	}
	return e.JSON(p.Status, p.Body)
}

// asProblem is the answer to a handler's error: a Problem as returned, a
// validation error as DRF's 400, a missing row or file as 404, anything else
// unexpected as a 500 keeping its cause. nil leaves the error to
// PocketBase: its own API errors (already shaped) and a client that went
// away.
func asProblem(err error) *Problem {
	var p *Problem
	var verrs validation.Errors
	switch {
	case errors.As(err, &p):
		return p
	case isRouterError(err), errors.Is(err, context.Canceled):
		return nil
	case errors.As(err, &verrs):
		p, _ = FromValidation(err).(*Problem)
		return p
	case errors.Is(err, sql.ErrNoRows), errors.Is(err, fs.ErrNotExist):
		return NotFound().WithCause(err)
	default:
		return Detail(http.StatusInternalServerError, MsgServerError).WithCause(err)
	}
}

// isRouterError tells PocketBase's own API errors (already shaped for the
// client, usually 4xx) from unexpected failures.
func isRouterError(err error) bool {
	var apiErr *router.ApiError
	return errors.As(err, &apiErr)
}
