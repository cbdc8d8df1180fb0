package api

import (
	"github.com/pocketbase/pocketbase/core"
)

// MemberCollection is the auth collection of Cobra Space members.
const MemberCollection = "users"

// Member returns the signed-in member, or nil (anonymous or superuser).
func Member(e *core.RequestEvent) *core.Record {
	if e.Auth == nil || e.Auth.Collection().Name != MemberCollection {
		return nil
	}
	return e.Auth
}

// RequireMember wraps a handler that needs a signed-in member: 401 without
// (valid) credentials, 403 for a non-member token such as a superuser's.
func RequireMember(next func(e *core.RequestEvent, me *core.Record) error) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		if e.Auth == nil {
			return Unauthorized(e)
		}
		me := Member(e)
		if me == nil {
			return Forbidden()
		}
		return next(e, me)
	}
}

// RequireMemberOrSuperuser wraps a handler open to members and to
// superusers (who moderate every room; they are not members, so
// RequireMember refuses them): 401 without (valid) credentials, 403 for
// any other kind of auth.
func RequireMemberOrSuperuser(next func(e *core.RequestEvent, auth *core.Record) error) func(*core.RequestEvent) error {
	return func(e *core.RequestEvent) error {
		switch {
		case e.Auth == nil:
			return Unauthorized(e)
		case e.Auth.IsSuperuser(), Member(e) != nil:
			return next(e, e.Auth)
		}
		return Forbidden()
	}
}

// MemberId is auth's id when it is a member's, else "" (a superuser's id
// never goes into a relation to users).
func MemberId(auth *core.Record) string {
	if auth == nil || auth.Collection().Name != MemberCollection {
		return ""
	}
	return auth.Id
}
