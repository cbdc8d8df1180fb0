package posts

import (
	"time"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/limits"
)

// postCreateKind names the bucket of new posts in limits.Allow.
const postCreateKind = "post_create"

// allowPostCreate takes one of member's post creations (limits.PostCreate:
// one bucket per member, shared by every API). A refusal is counted
// (limits.RefusedPost).
func allowPostCreate(app core.App, memberId string) (bool, time.Duration) {
	l := limits.Of(app)
	ok, wait := l.Allow(postCreateKind, l.PostCreate, memberId)
	if !ok {
		l.Refuse(limits.RefusedPost)
	}
	return ok, wait
}

// limitRecordCreates applies the post creation limit to the record API
// (JS SDK, batch): 429 with Retry-After. Superusers are exempt.
func limitRecordCreates(app core.App) {
	app.OnRecordCreateRequest("posts").BindFunc(func(e *core.RecordRequestEvent) error {
		if e.Auth == nil || e.HasSuperuserAuth() {
			return e.Next() // anonymous creates are refused by the create rule
		}
		if ok, wait := allowPostCreate(e.App, e.Auth.Id); !ok {
			return limits.TooFast(e.RequestEvent, "creating posts", wait)
		}
		return e.Next()
	})
}
