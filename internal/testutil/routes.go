package testutil

// What the route tests of every package share: the spellings of a route,
// multipart bodies, the object-keys check and the scenarios every member
// route must refuse.

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/tests"
)

// ---------------------------------------------------------------------------
// spellings

// Spellings are the spellings a route answers to: with and without the
// trailing slash, and for a /user route also under /api/user. path is
// written with either ("/user/profile", "/api/post/detail/x/").
func Spellings(path string) []string {
	path = strings.TrimSuffix(path, "/")
	out := []string{path + "/", path}
	if rest, ok := strings.CutPrefix(path, "/user/"); ok {
		out = append(out, "/api/user/"+rest+"/", "/api/user/"+rest)
	}
	return out
}

// WithQuery adds a query string to every path.
func WithQuery(paths []string, query string) []string {
	out := make([]string, len(paths))
	for i, p := range paths {
		out[i] = p + "?" + query
	}
	return out
}

// ---------------------------------------------------------------------------
// multipart bodies

// Part is one part of a multipart/form-data body: a text field, or a file
// when Filename is set.
type Part struct {
	Name, Value string
	Filename    string
	Content     []byte
}

// Field is a text part (fields may repeat).
func Field(name, value string) Part { return Part{Name: name, Value: value} }

// File is a file part.
func File(name, filename string, content []byte) Part {
	return Part{Name: name, Filename: filename, Content: content}
}

// Multipart encodes parts in order; the content type carries the boundary.
// (Writing to memory cannot fail; a failure panics.)
func Multipart(parts ...Part) (body *bytes.Buffer, contentType string) {
	body = &bytes.Buffer{}
	w := multipart.NewWriter(body)
	for _, p := range parts {
		if p.Filename == "" {
			must(w.WriteField(p.Name, p.Value))
			continue
		}
		part, err := w.CreateFormFile(p.Name, p.Filename)
		must(err)
		_, err = part.Write(p.Content)
		must(err)
	}
	must(w.Close())
	return body, w.FormDataContentType()
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

// ---------------------------------------------------------------------------
// object keys

// KeyMatch is how AssertKeys compares keys.
type KeyMatch bool

const (
	// Exactly: the object has these keys and no other.
	Exactly KeyMatch = true
	// AtLeast: the object has these keys, maybe more.
	AtLeast KeyMatch = false
)

// AssertKeys checks the keys of obj (what names it in the failures).
func AssertKeys(t testing.TB, what string, obj map[string]any, match KeyMatch, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if _, ok := obj[k]; !ok {
			t.Errorf("%s lacks key %q: keys %v", what, k, keysOf(obj))
		}
	}
	if match == Exactly {
		for k := range obj {
			if !slices.Contains(keys, k) {
				t.Errorf("%s has key %q, want exactly %v", what, k, slices.Sorted(slices.Values(keys)))
			}
		}
	}
}

// Keys checks that the body is a JSON object with exactly keys.
func Keys(keys ...string) Check {
	return func(t testing.TB, _ *tests.TestApp, body []byte) {
		t.Helper()
		AssertKeys(t, "body", DecodeObject(t, body), Exactly, keys...)
	}
}

func keysOf(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ---------------------------------------------------------------------------
// the scenarios every member route refuses

// ForgedAuth is a token whose header says "alg: none" and whose claims name
// alice: a token nobody signed.
var ForgedAuth = map[string]string{"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJpZCI6InVzcmFsaWNlMDAwMDAwMSJ9."}

// AuthRejections are the scenarios every member route must pass: the
// CredentialRejections and, with a superuser's token, 403 "You do not have
// permission" (a superuser is not a member).
func AuthRejections(t testing.TB, method, url, body string, checks ...Check) []tests.ApiScenario {
	t.Helper()
	superuser := rejection(method, url, body, "superuser token", AuthHeader(t, SuperuserEmail),
		http.StatusForbidden, ForbiddenBody, `"detail"`, checks)
	return append(CredentialRejections(method, url, body, checks...), superuser)
}

// CredentialRejections are the scenarios every route that needs a login
// must pass (also those a superuser may use): without credentials 401
// "Authentication credentials were not provided.", with a malformed or a
// forged token 401 token_not_valid. body ("" for none) is sent with each,
// as JSON; checks run after the documented body is compared (e.g. that
// nothing was stored). Callers may set more fields (BeforeTestFunc) on the
// scenarios returned; they run on Factory apps.
func CredentialRejections(method, url, body string, checks ...Check) []tests.ApiScenario {
	return []tests.ApiScenario{
		rejection(method, url, body, "no auth", nil, http.StatusUnauthorized, NoAuthBody, `"detail"`, checks),
		rejection(method, url, body, "malformed token", GarbageAuth, http.StatusUnauthorized, BadTokenBody, `"token_not_valid"`, checks),
		rejection(method, url, body, "forged token", ForgedAuth, http.StatusUnauthorized, BadTokenBody, `"token_not_valid"`, checks),
	}
}

func rejection(method, url, body, name string, headers map[string]string, status int, want, content string, checks []Check) tests.ApiScenario {
	s := tests.ApiScenario{
		Name:            method + " " + url + ": " + name,
		Method:          method,
		URL:             url,
		Headers:         map[string]string{},
		ExpectedStatus:  status,
		ExpectedContent: []string{content},
		AfterTestFunc:   After(append([]Check{BodyIs(want)}, checks...)...),
		TestAppFactory:  Factory,
	}
	for k, v := range headers {
		s.Headers[k] = v
	}
	if body != "" {
		s.Body = strings.NewReader(body)
		s.Headers["Content-Type"] = "application/json"
	}
	return s
}
