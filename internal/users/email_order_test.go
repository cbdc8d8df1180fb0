package users_test

// Hidden e-mails cannot be recovered by ordering: members may not sort by
// an auth collection's e-mail along any path, nor compare it where
// PocketBase's own hidden-e-mail guard does not hold (across a to-many
// path, inside functions). Superusers may.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/subscriptions"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// emailOrderingRefused is the start of the refusal's body.
const emailOrderingRefused = `"code":"validation_email_ordering"`

// refusedOrderings are list queries a member may not make: the collection
// and its query string.
var refusedOrderings = []struct{ collection, query string }{
	{"users", "sort=email"},
	{"users", "sort=-email"},
	{"users", "sort=%2Bemail"},
	{"users", "sort=email:lower"},
	{"users", "sort=-email:lower"},
	{"users", "sort=created,%20email"},
	{"users", "sort=friends_via_user.friend.email"},
	{"users", "sort=friends_via_friend.user.email"},
	{"users", "sort=friends_via_user.friend.friends_via_user.friend.email"},
	{"posts", "sort=writer.email"},
	{"posts", "sort=-writer.email:lower"},
	{"rooms", "sort=owner.email"},
	{"rooms", "sort=post.writer.email"},
	{"messages", "sort=sender.email"},
	{"messages", "sort=room.post.writer.email"},
	{"friends", "sort=friend.email"},
	{"friends", "sort=user.email"},
	// a second sort parameter is looked at too
	{"users", "sort=created&sort=email"},
	// comparisons PocketBase does not guard: across a to-many path (all
	// related e-mails must match, hidden ones included)...
	{"users", "filter=" + url.QueryEscape(`friends_via_user.friend.email > "b"`)},
	{"users", "filter=" + url.QueryEscape(`friends_via_user.friend.email:lower ~ "a%"`)},
	{"users", "filter=" + url.QueryEscape(`id != "" && (friends_via_friend.user.email < "m" || id = "x")`)},
	{"users", "filter=" + url.QueryEscape(`"b" < friends_via_user.friend.email`)},
	// ...and inside functions
	{"users", "filter=" + url.QueryEscape(`strftime("%Y", email) != ""`)},
}

// allowedComparisons are e-mail filters PocketBase guards itself (a hidden
// e-mail never matches), so members keep them.
var allowedComparisons = []struct{ collection, query string }{
	{"users", "filter=" + url.QueryEscape(`email = "bob@example.com"`)},
	{"users", "filter=" + url.QueryEscape(`email > "b"`)},
	{"users", "filter=" + url.QueryEscape(`email ~ "a%"`)},
	{"users", "filter=" + url.QueryEscape(`email:lower !~ "a%"`)},
	{"posts", "filter=" + url.QueryEscape(`writer.email < "m"`)},
	{"messages", "filter=" + url.QueryEscape(`sender.email > "a"`)},
	{"users", "filter=" + url.QueryEscape(`friends_via_user.friend.email ?> "b"`)},
	{"users", "filter=" + url.QueryEscape(`friends_via_user.friend.email ?= "bob@example.com"`)},
	{"users", "sort=-nickname,created"},
	{"posts", "sort=writer.nickname"},
	{"users", "sort=@random"},
}

func listURL(collection, query string) string {
	return "/api/collections/" + collection + "/records?" + query
}

func TestEmailOrderingRefused(t *testing.T) {
	t.Parallel()

	scenarios := []tests.ApiScenario{}
	for _, q := range refusedOrderings {
		scenarios = append(scenarios, tests.ApiScenario{
			Name:               "member: " + q.collection + "?" + q.query,
			Method:             http.MethodGet,
			URL:                listURL(q.collection, q.query),
			Headers:            testutil.AuthHeader(t, testutil.AliceEmail),
			ExpectedStatus:     400,
			ExpectedContent:    []string{`"status":400`, emailOrderingRefused},
			NotExpectedContent: []string{`"items"`},
			ExpectedEvents:     map[string]int{"*": 0}, // refused before the query runs
			TestAppFactory:     testutil.Factory,
		}, tests.ApiScenario{
			Name:               "guest: " + q.collection + "?" + q.query,
			Method:             http.MethodGet,
			URL:                listURL(q.collection, q.query),
			ExpectedStatus:     400,
			ExpectedContent:    []string{emailOrderingRefused},
			NotExpectedContent: []string{`"items"`},
			ExpectedEvents:     map[string]int{"*": 0},
			TestAppFactory:     testutil.Factory,
		}, tests.ApiScenario{
			Name:            "superuser: " + q.collection + "?" + q.query,
			Method:          http.MethodGet,
			URL:             listURL(q.collection, q.query),
			Headers:         testutil.AuthHeader(t, testutil.SuperuserEmail),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"items":`},
			ExpectedEvents:  map[string]int{"OnRecordsListRequest": 1},
			TestAppFactory:  testutil.Factory,
		})
	}
	for _, q := range allowedComparisons {
		scenarios = append(scenarios, tests.ApiScenario{
			Name:            "member may: " + q.collection + "?" + q.query,
			Method:          http.MethodGet,
			URL:             listURL(q.collection, q.query),
			Headers:         testutil.AuthHeader(t, testutil.AliceEmail),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"items":`},
			ExpectedEvents:  map[string]int{"OnRecordsListRequest": 1},
			TestAppFactory:  testutil.Factory,
		})
	}
	// the SDK's getFirstListItem is the same list route
	scenarios = append(scenarios, tests.ApiScenario{
		Name:            "getFirstListItem with an e-mail sort",
		Method:          http.MethodGet,
		URL:             listURL("users", "page=1&perPage=1&skipTotal=1&filter="+url.QueryEscape(`id != ""`)+"&sort=email"),
		Headers:         testutil.AuthHeader(t, testutil.AliceEmail),
		ExpectedStatus:  400,
		ExpectedContent: []string{emailOrderingRefused, `"sort"`},
		ExpectedEvents:  map[string]int{"*": 0},
		TestAppFactory:  testutil.Factory,
	})
	testutil.Run(t, scenarios)
}

// hiddenWorld is a test app where dave (e-mail hidden) has daveEmail, is on
// alice's friends list, wrote a post and sent a message. Its answers are
// seen through stable names for the records that get random ids.
type hiddenWorld struct {
	*testutil.Client
	names *strings.Replacer
}

func newHiddenWorld(t *testing.T, daveEmail string) hiddenWorld {
	t.Helper()
	c := testutil.NewClient(t)
	dave := member(t, c.App, testutil.DaveId)
	dave.SetEmail(daveEmail)
	if err := c.App.Save(dave); err != nil {
		t.Fatal(err)
	}
	addFriendRow(t, c.App, testutil.AliceId, testutil.DaveId)
	addFriendRow(t, c.App, testutil.DaveId, testutil.BobId)
	category, err := c.App.FindFirstRecordByData("categories", "name", "Programming")
	if err != nil {
		t.Fatal(err)
	}
	testutil.MustSave(t, c.App, "posts", map[string]any{"id": "postdave0000001", "title": "dave's", "content": "x", "category": category.Id, "writer": testutil.DaveId})
	room, err := c.App.FindFirstRecordByData("rooms", "post", "postdave0000001")
	if err != nil {
		t.Fatal(err)
	}
	testutil.MustSave(t, c.App, "messages", map[string]any{"id": "msgdave00000001", "room": room.Id, "sender": testutil.DaveId, "message": "hi"})
	pairs := []string{room.Id, "dave's room"}
	for _, table := range []string{"friends", "rooms"} {
		var rows []struct {
			Id string `db:"id"`
		}
		if err := c.App.DB().Select("id").From(table).OrderBy("created", "id").All(&rows); err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			if r.Id != room.Id {
				pairs = append(pairs, r.Id, table+"#"+strings.Repeat("i", i+1))
			}
		}
	}
	return hiddenWorld{Client: c, names: strings.NewReplacer(pairs...)}
}

// visible is what a member sees of a list answer: the status and the ids
// in order (or the whole body when it is not a list).
func (w hiddenWorld) visible(t *testing.T, url, token string) string {
	t.Helper()
	res := w.Send(http.MethodGet, url, "", token)
	var list struct {
		Items []struct {
			Id string `json:"id"`
		} `json:"items"`
	}
	if res.Status != http.StatusOK || json.Unmarshal(res.Body, &list) != nil {
		return fmt.Sprint(res.Status, " ", string(res.Body))
	}
	ids := make([]string, len(list.Items))
	for i, item := range list.Items {
		ids[i] = w.names.Replace(item.Id)
	}
	return strings.Join(ids, ",")
}

// With dave's hidden e-mail at either end of the alphabet, nothing a member
// can ask shows a difference.
func TestHiddenEmailOracle(t *testing.T) {
	t.Parallel()
	first := newHiddenWorld(t, "aaa-hidden@example.com")
	last := newHiddenWorld(t, "zzz-hidden@example.com")
	token := strings.TrimPrefix(testutil.AuthHeader(t, testutil.AliceEmail)["Authorization"], "Bearer ")

	queries := append(append([]struct{ collection, query string }{}, refusedOrderings...), allowedComparisons...)
	for _, q := range queries {
		if strings.Contains(q.query, "@random") {
			continue
		}
		u := listURL(q.collection, q.query)
		a, b := first.visible(t, u, token), last.visible(t, u, token)
		if a != b {
			t.Errorf("%s answers depend on the hidden e-mail:\n  %s\n  %s", u, a, b)
		}
	}

	// a superuser sees the real order
	admin := strings.TrimPrefix(testutil.AuthHeader(t, testutil.SuperuserEmail)["Authorization"], "Bearer ")
	u := listURL("users", "sort=email")
	if first.visible(t, u, admin) == last.visible(t, u, admin) {
		t.Error("the superuser's e-mail order does not follow the e-mails")
	}
}

// A realtime subscription's filter is checked the same way (which events
// arrive would tell the answer); other options and topics pass.
func TestRealtimeEmailFilterRefused(t *testing.T) {
	t.Parallel()

	topic := func(collection, filter string) string {
		return collection + "/*?options=" + url.QueryEscape(testutil.JSONOf(map[string]any{"query": map[string]string{"filter": filter}}))
	}
	subscribe := func(name, topic string, headers map[string]string, status int, subscribed bool) tests.ApiScenario {
		body := new(bytes.Buffer)
		var client subscriptions.Client
		return tests.ApiScenario{
			Name:    name,
			Method:  http.MethodPost,
			URL:     "/api/realtime",
			Headers: headers,
			Body:    body,
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				client = subscriptions.NewDefaultClient()
				app.SubscriptionsBroker().Register(client)
				body.WriteString(testutil.JSONOf(map[string]any{"clientId": client.Id(), "subscriptions": []string{topic}}))
			},
			ExpectedStatus: status,
			ExpectedContent: func() []string {
				if status == 400 {
					return []string{emailOrderingRefused, `"subscriptions"`}
				}
				return nil
			}(),
			TestAppFactory: testutil.Factory,
			AfterTestFunc: func(t testing.TB, app *tests.TestApp, res *http.Response) {
				if got := len(client.Subscriptions()) > 0; got != subscribed {
					t.Errorf("subscribed = %v, want %v", got, subscribed)
				}
			},
		}
	}
	alice := testutil.AuthHeader(t, testutil.AliceEmail)
	admin := testutil.AuthHeader(t, testutil.SuperuserEmail)
	leaky := topic("users", `friends_via_user.friend.email > "b"`)
	scenarios := []tests.ApiScenario{
		subscribe("member, to-many e-mail comparison", leaky, alice, 400, false),
		subscribe("guest, to-many e-mail comparison", leaky, nil, 400, false),
		subscribe("member, e-mail in a function", topic("messages", `strftime("%Y", sender.email) != ""`), alice, 400, false),
		subscribe("member, e-mail sort option", "posts/*?options="+url.QueryEscape(`{"query":{"sort":"writer.email"}}`), alice, 400, false),
		subscribe("superuser, to-many e-mail comparison", leaky, admin, 204, true),
		subscribe("member, guarded comparison", topic("messages", `sender.email = "bob@example.com"`), alice, 204, true),
		subscribe("member, plain topic", "posts/*", alice, 204, true),
		subscribe("member, a topic that is no collection", "custom/topic?options="+url.QueryEscape(`{"query":{"filter":"email > 1"}}`), alice, 204, true),
	}
	testutil.Run(t, scenarios)
}
