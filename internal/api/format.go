package api

import (
	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/types"
)

// rfc3339Millis is RFC 3339 with milliseconds, as Django REST framework
// renders datetimes: 2026-11-24T03:07:37.123Z.
const rfc3339Millis = "2006-01-02T15:04:05.000Z07:00"

// Time formats a stored datetime as RFC 3339 (UTC), or nil when unset.
func Time(dt types.DateTime) any {
	if dt.IsZero() {
		return nil
	}
	return dt.Time().UTC().Format(rfc3339Millis)
}

// FileURL is the server-relative path of a record's single file field,
// or nil when empty. Old clients prepend their own API host to it.
func FileURL(record *core.Record, field string) any {
	name := record.GetString(field)
	if name == "" {
		return nil
	}
	return "/api/files/" + record.Collection().Name + "/" + record.Id + "/" + name
}

// NullableId returns id, or nil when empty, for optional relations.
func NullableId(id string) any {
	if id == "" {
		return nil
	}
	return id
}
