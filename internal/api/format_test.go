package api

import (
	"bytes"
	"encoding/json"
	"encoding/json/jsontext"
	jsonv2 "encoding/json/v2"
	"testing"
	"time"

	"github.com/pocketbase/pocketbase/tools/types"
)

// A NullString field encodes byte for byte like the string (or nil) of a
// map, both the way PocketBase answers (encoding/json/v2, as e.JSON) and
// the way the live frames are encoded (encoding/json).
func TestNullStringEncodesLikeAMapValue(t *testing.T) {
	// one key each: json/v2 writes a map's keys in no fixed order
	type shape struct {
		A NullString `json:"a"`
	}
	const tricky = "a&b<c>\u2028é\"\\/"
	v2 := func(v any) string {
		var out bytes.Buffer
		if err := jsonv2.MarshalWrite(&out, v, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}
	v1 := func(v any) string {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for _, value := range []string{"", tricky} {
		typed := shape{A: NullString(value)}
		mapped := map[string]any{"a": nil}
		if value != "" {
			mapped["a"] = value
		}
		if got, want := v2(typed), v2(mapped); got != want {
			t.Errorf("json/v2: %s, a map gives %s", got, want)
		}
		if got, want := v1(typed), v1(mapped); got != want {
			t.Errorf("json: %s, a map gives %s", got, want)
		}
	}
}

func TestNullableHelpers(t *testing.T) {
	if NullableId("") != nil || NullableId("abc") != "abc" {
		t.Errorf("NullableId: %#v, %#v", NullableId(""), NullableId("abc"))
	}
	var zero types.DateTime
	if Time(zero) != nil || TimeOf(zero) != "" {
		t.Errorf("Time(zero) = %#v, TimeOf(zero) = %#v", Time(zero), TimeOf(zero))
	}
	dt, _ := types.ParseDateTime(time.Date(2026, 11, 24, 3, 7, 37, 123e6, time.UTC))
	if Time(dt) != "2026-11-24T03:07:37.123Z" || TimeOf(dt) != "2026-11-24T03:07:37.123Z" {
		t.Errorf("Time = %#v, TimeOf = %#v", Time(dt), TimeOf(dt))
	}
}
