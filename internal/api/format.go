package api

import (
	"bytes"
	"encoding/json"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// rfc3339Millis is RFC 3339 with milliseconds, as Django REST framework
// renders datetimes: 2026-11-24T03:07:37.123Z.
const rfc3339Millis = "2006-01-02T15:04:05.000Z07:00"

// NullString is a string field of an answer that is null when empty: the
// id of an optional relation, a file URL, an unset time, a hidden e-mail.
// It is how the typed answers write what Time, FileURL and NullableId give
// the map-built ones.
type NullString string

// MarshalJSON encodes "" as null and anything else as a JSON string,
// escaped as a plain string field would be: PocketBase answers with
// encoding/json/v2 (no HTML escaping), the live frames with encoding/json
// (which escapes HTML around a Marshaler's output as well).
func (s NullString) MarshalJSON() ([]byte, error) {
	if s == "" {
		return []byte("null"), nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(string(s)); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// orNil is s as Time, FileURL and NullableId return it: a string or nil.
func (s NullString) orNil() any {
	if s == "" {
		return nil
	}
	return string(s)
}

// TimeOf formats a stored datetime as RFC 3339 (UTC); null when unset.
func TimeOf(dt types.DateTime) NullString {
	if dt.IsZero() {
		return ""
	}
	return NullString(dt.Time().UTC().Format(rfc3339Millis))
}

// Time formats a stored datetime as RFC 3339 (UTC), or nil when unset.
func Time(dt types.DateTime) any { return TimeOf(dt).orNil() }

// FileURLOf is the server-relative path of a record's single file field;
// null when empty. Old clients prepend their own API host to it.
func FileURLOf(record *core.Record, field string) NullString {
	name := record.GetString(field)
	if name == "" {
		return ""
	}
	return NullString("/api/files/" + record.Collection().Name + "/" + record.Id + "/" + name)
}

// FileURL is FileURLOf as a string, or nil when empty.
func FileURL(record *core.Record, field string) any { return FileURLOf(record, field).orNil() }

// NullableId returns id, or nil when empty, for optional relations
// (NullString(id) in typed answers).
func NullableId(id string) any { return NullString(id).orNil() }
