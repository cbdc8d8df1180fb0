package api

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"testing"

	validation "github.com/pocketbase/ozzo-validation/v4"
	"github.com/pocketbase/pocketbase/tools/router"
)

// TestAsProblem: what a handler's error answers. Client mistakes stay 4xx
// (validation 400, missing 404), an unexpected failure is a 500 that keeps
// its cause, PocketBase's own errors and a vanished client are left to it.
func TestAsProblem(t *testing.T) {
	dbDown := errors.New("database is locked")
	throttled := Throttled(0)
	for _, c := range []struct {
		name   string
		err    error
		status int // 0: left to PocketBase
	}{
		{"a Problem", FieldError("x", "bad"), 400},
		{"a wrapped Problem", fmt.Errorf("ctx: %w", NotFound()), 404},
		{"a throttle", throttled, 429},
		{"validation errors", validation.Errors{"email": validation.NewError("validation_not_unique", "Value must be unique.")}, 400},
		{"a missing row", fmt.Errorf("find: %w", sql.ErrNoRows), 404},
		{"a missing file", fs.ErrNotExist, 404},
		{"PocketBase's own error", router.NewForbiddenError("no", nil), 0},
		{"the client went away", context.Canceled, 0},
		{"a database failure", dbDown, 500},
	} {
		p := asProblem(c.err)
		switch {
		case c.status == 0 && p != nil:
			t.Errorf("%s: answered %d, want it left to PocketBase", c.name, p.Status)
		case c.status != 0 && (p == nil || p.Status != c.status):
			t.Errorf("%s: %v, want status %d", c.name, p, c.status)
		}
	}
	if p := asProblem(dbDown); !errors.Is(p, dbDown) || p.Body.(map[string]string)["detail"] != MsgServerError {
		t.Errorf("a 500 must keep its cause and not show it: %v %v", p, p.Body)
	}
	if throttled.Header.Get("Retry-After") != "1" || throttled.Status != http.StatusTooManyRequests {
		t.Errorf("Throttled(0) = %d Retry-After %q, want 429 and at least 1 s", throttled.Status, throttled.Header.Get("Retry-After"))
	}
}

// TestFromValidationSpeaksDRF: PocketBase's text limits and a missing value
// get DRF's one message per code, whichever API hit them; other errors keep
// PocketBase's message.
func TestFromValidationSpeaksDRF(t *testing.T) {
	err := FromValidation(validation.Errors{
		"nickname": validation.NewError("validation_max_text_constraint", "Must be no more than {{.max}} character(s).").SetParams(map[string]any{"max": 20}),
		"password": validation.NewError("validation_min_text_constraint", "Must be at least {{.min}} character(s).").SetParams(map[string]any{"min": 8}),
		"room":     validation.NewError("validation_required", "Cannot be blank."),
		"email":    validation.NewError("validation_not_unique", "Value must be unique."),
	})
	p, ok := err.(*Problem)
	if !ok || p.Status != http.StatusBadRequest {
		t.Fatalf("FromValidation = %v, want a 400 Problem", err)
	}
	want := FieldErrors{
		"nickname": {MaxLength(20)},
		"password": {MinLength(8)},
		"room":     {MsgRequired},
		"email":    {"Value must be unique"},
	}
	if got := fmt.Sprint(p.Body); got != fmt.Sprint(want) {
		t.Errorf("body = %s, want %s", got, fmt.Sprint(want))
	}
}

// TestFromValidationPasswordLength: PocketBase's password field names its
// limit only in the message.
func TestFromValidationPasswordLength(t *testing.T) {
	err := FromValidation(validation.Errors{
		"password": validation.NewError("validation_min_text_constraint", "Must be at least 8 character(s)"),
	})
	if got := fmt.Sprint(err.(*Problem).Body); got != fmt.Sprint(FieldErrors{"password": {MinLength(8)}}) {
		t.Errorf("body = %s", got)
	}
}
