package users_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"strings"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tests"
	"github.com/pocketbase/pocketbase/tools/filesystem"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// aliceProfile is alice's fixture profile as she sees it.
var aliceProfile = map[string]any{
	"id": testutil.AliceId, "user": testutil.AliceId, "email": testutil.AliceEmail, "nickname": "alice",
	"profile_picture": nil, "bio": "alice's bio", "contact_number": "010-1234-5678", "status": "available",
	"is_private": false, "friends_emails": []string{testutil.BobEmail},
}

// aliceFields are alice's stored editable fields in the fixtures.
var aliceFields = map[string]any{
	"email": testutil.AliceEmail, "nickname": "alice", "bio": "alice's bio", "contact_number": "010-1234-5678",
	"status": "available", "is_private": false, "emailVisibility": true, "profile_picture": "",
}

// storedAlice checks alice's stored fields: the fixture values, overridden
// by changed (a nil value there leaves that field unchecked).
func storedAlice(changed map[string]any) testutil.Check {
	return testutil.State(func(t testing.TB, app *tests.TestApp) {
		t.Helper()
		alice := member(t, app, testutil.AliceId)
		want := map[string]any{}
		for k, v := range aliceFields {
			want[k] = v
		}
		for k, v := range changed {
			want[k] = v
		}
		for field, w := range want {
			if w == nil {
				continue
			}
			if got := alice.Get(field); got != w {
				t.Errorf("stored %s = %#v, want %#v", field, got, w)
			}
		}
		if !alice.ValidatePassword(testutil.Password) {
			t.Error("alice's password changed")
		}
	})
}

// aliceUnchanged checks that a rejected request left alice as she was.
func aliceUnchanged() testutil.Check { return storedAlice(nil) }

// pngBytes is a small real PNG image.
func pngBytes(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for x := range 8 {
		for y := range 8 {
			img.Set(x, y, color.RGBA{R: uint8(x * 30), G: uint8(y * 30), B: 200, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withAlice adds alice's Authorization header to headers.
func withAlice(t testing.TB, headers map[string]string) map[string]string {
	out := testutil.AuthHeader(t, testutil.AliceEmail)
	merged := map[string]string{"Authorization": out["Authorization"]}
	for k, v := range headers {
		merged[k] = v
	}
	return merged
}

// pictureStored checks that alice's uploaded picture is stored under its
// own name, exists in storage and is answered as its server path.
func pictureStored(t testing.TB, app *tests.TestApp, body []byte) {
	t.Helper()
	alice := member(t, app, testutil.AliceId)
	name := alice.GetString("profile_picture")
	if name == "" || !strings.HasSuffix(name, ".png") {
		t.Fatalf("stored profile_picture = %q, want a .png file name", name)
	}
	if got, want := testutil.DecodeObject(t, body)["profile_picture"], "/api/files/users/"+testutil.AliceId+"/"+name; got != want {
		t.Errorf("answered profile_picture = %v, want %s", got, want)
	}
	fs, err := app.NewFilesystem()
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if err := fs.Close(); err != nil {
			t.Error(err)
		}
	}()
	if exists, err := fs.Exists(alice.BaseFilesPath() + "/" + name); err != nil || !exists {
		t.Errorf("picture file %s not in storage (%v)", name, err)
	}
}

// givePicture stores a picture on alice (a BeforeTestFunc).
func givePicture(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
	t.Helper()
	file, err := filesystem.NewFileFromBytes(pngBytes(t), "before.png")
	if err != nil {
		t.Fatal(err)
	}
	alice := member(t, app, testutil.AliceId)
	alice.Set("profile_picture", file)
	if err := app.Save(alice); err != nil {
		t.Fatal(err)
	}
}

func TestGetProfile(t *testing.T) {
	t.Parallel()

	scenarios := []tests.ApiScenario{}
	for _, url := range testutil.Spellings("/user/profile") {
		scenarios = append(scenarios, tests.ApiScenario{
			Name:            "alice at " + url,
			Method:          http.MethodGet,
			URL:             url,
			Headers:         testutil.AuthHeader(t, testutil.AliceEmail),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"email":"alice@example.com"`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(profileIs(aliceProfile), noSecrets),
		})
	}

	scenarios = append(scenarios,
		tests.ApiScenario{
			Name:            "dave sees his own hidden e-mail",
			Method:          http.MethodGet,
			URL:             "/user/profile/",
			Headers:         testutil.AuthHeader(t, testutil.DaveEmail),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"email":"dave@example.com"`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(profileIs(map[string]any{"id": testutil.DaveId, "email": testutil.DaveEmail, "friends_emails": []string{}}), noSecrets),
		},
		tests.ApiScenario{
			Name:            "carol (private) sees her own profile and list",
			Method:          http.MethodGet,
			URL:             "/user/profile/",
			Headers:         testutil.AuthHeader(t, testutil.CarolEmail),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"is_private":true`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(profileIs(map[string]any{"id": testutil.CarolId, "is_private": true, "friends_emails": []string{testutil.AliceEmail}}), noSecrets),
		},
		tests.ApiScenario{
			Name:    "a friend's hidden e-mail is not listed in friends_emails",
			Method:  http.MethodGet,
			URL:     "/user/profile/",
			Headers: testutil.AuthHeader(t, testutil.AliceEmail),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				addFriendRow(t, app, testutil.AliceId, testutil.DaveId)
			},
			ExpectedStatus:  200,
			ExpectedContent: []string{`"friends_emails":["bob@example.com"]`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(lacks(testutil.DaveEmail)),
		},
		tests.ApiScenario{
			Name:               "picture as its server path",
			Method:             http.MethodGet,
			URL:                "/user/profile/",
			Headers:            testutil.AuthHeader(t, testutil.AliceEmail),
			BeforeTestFunc:     givePicture,
			ExpectedStatus:     200,
			ExpectedContent:    []string{`"profile_picture":"/api/files/users/` + testutil.AliceId + `/before_`},
			NotExpectedContent: []string{`http://`, `https://`},
			TestAppFactory:     testutil.Factory,
			AfterTestFunc:      testutil.After(pictureStored),
		},
		tests.ApiScenario{
			Name:            "raw token without the Bearer prefix",
			Method:          http.MethodGet,
			URL:             "/user/profile",
			Headers:         map[string]string{"Authorization": strings.TrimPrefix(testutil.AuthHeader(t, testutil.AliceEmail)["Authorization"], "Bearer ")},
			ExpectedStatus:  200,
			ExpectedContent: []string{`"email":"alice@example.com"`},
			TestAppFactory:  testutil.Factory,
		},
		tests.ApiScenario{
			Name:    "token of a deleted member",
			Method:  http.MethodGet,
			URL:     "/user/profile/",
			Headers: testutil.AuthHeader(t, testutil.AliceEmail),
			BeforeTestFunc: func(t testing.TB, app *tests.TestApp, _ *core.ServeEvent) {
				if err := app.Delete(member(t, app, testutil.AliceId)); err != nil {
					t.Fatal(err)
				}
			},
			ExpectedStatus:  401,
			ExpectedContent: []string{`"token_not_valid"`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(testutil.BodyIs(testutil.BadTokenBody)),
		},
	)

	for _, url := range testutil.Spellings("/user/profile") {
		scenarios = append(scenarios, testutil.AuthRejections(t, http.MethodGet, url, "")...)
	}
	testutil.Run(t, scenarios)
}

func TestUpdateProfile(t *testing.T) {
	t.Parallel()

	scenarios := []tests.ApiScenario{}
	full := `{"nickname":"Alicia","bio":"new bio","contact_number":"+82 10-0000","status":"busy","is_private":true}`
	fullStored := map[string]any{"nickname": "Alicia", "bio": "new bio", "contact_number": "+82 10-0000", "status": "busy", "is_private": true}
	for _, method := range []string{http.MethodPatch, http.MethodPut} {
		for _, url := range testutil.Spellings("/user/profile") {
			scenarios = append(scenarios, tests.ApiScenario{
				Name:            method + " " + url,
				Method:          method,
				URL:             url,
				Body:            strings.NewReader(full),
				Headers:         testutil.AuthHeader(t, testutil.AliceEmail),
				ExpectedStatus:  200,
				ExpectedContent: []string{`"nickname":"Alicia"`},
				TestAppFactory:  testutil.Factory,
				AfterTestFunc: testutil.After(
					profileIs(map[string]any{"id": testutil.AliceId, "email": testutil.AliceEmail, "nickname": "Alicia", "bio": "new bio",
						"contact_number": "+82 10-0000", "status": "busy", "is_private": true, "friends_emails": []string{testutil.BobEmail}}),
					storedAlice(fullStored), noSecrets),
			})
		}
	}

	updated := func(name, method, body string, changed map[string]any) tests.ApiScenario {
		return tests.ApiScenario{
			Name:            name,
			Method:          method,
			URL:             "/user/profile/",
			Body:            strings.NewReader(body),
			Headers:         testutil.AuthHeader(t, testutil.AliceEmail),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"id":"` + testutil.AliceId + `"`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(profileIs(map[string]any{"id": testutil.AliceId}), storedAlice(changed), noSecrets),
		}
	}
	scenarios = append(scenarios,
		updated("PATCH one field keeps the others", http.MethodPatch, `{"bio":"only bio"}`, map[string]any{"bio": "only bio"}),
		updated("PUT is partial too", http.MethodPut, `{"status":"away"}`, map[string]any{"status": "away"}),
		updated("empty body changes nothing", http.MethodPatch, ``, nil),
		updated("blank nickname falls back to the e-mail local part", http.MethodPatch, `{"nickname":"","bio":""}`, map[string]any{"bio": ""}),
		updated("null fields are left alone", http.MethodPatch, `{"nickname":null,"is_private":null}`, nil),
		updated("is_private as a form-style string", http.MethodPatch, `{"is_private":"true"}`, map[string]any{"is_private": true}),
		updated("hide own e-mail", http.MethodPatch, `{"email_visibility":false}`, map[string]any{"emailVisibility": false}),
		updated("account fields in the body are ignored", http.MethodPatch,
			`{"email":"evil@example.com","password":"new-password","passwordConfirm":"new-password","verified":false,"tokenKey":"x","id":"other","bio":"ok"}`,
			map[string]any{"bio": "ok"}),
		updated("picture removed with null", http.MethodPatch, `{"profile_picture":null}`, nil),
	)
	// the removal must have had a picture to remove
	scenarios[len(scenarios)-1].BeforeTestFunc = givePicture
	scenarios[len(scenarios)-1].ExpectedContent = []string{`"profile_picture":null`}

	// multipart: a real PNG upload, plus text fields
	body, ctype := testutil.Multipart(testutil.Field("nickname", "Pictured"), testutil.Field("is_private", "false"),
		testutil.File("profile_picture", "avatar.png", pngBytes(t)))
	scenarios = append(scenarios, tests.ApiScenario{
		Name:            "multipart picture upload",
		Method:          http.MethodPatch,
		URL:             "/user/profile/",
		Body:            body,
		Headers:         withAlice(t, map[string]string{"Content-Type": ctype}),
		ExpectedStatus:  200,
		ExpectedContent: []string{`"profile_picture":"/api/files/users/` + testutil.AliceId + `/avatar_`, `"nickname":"Pictured"`},
		TestAppFactory:  testutil.Factory,
		AfterTestFunc:   testutil.After(pictureStored, storedAlice(map[string]any{"nickname": "Pictured", "profile_picture": nil}), noSecrets),
	})
	// replacing a picture
	body, ctype = testutil.Multipart(testutil.File("profile_picture", "new.png", pngBytes(t)))
	scenarios = append(scenarios, tests.ApiScenario{
		Name:            "multipart picture replaces the old one",
		Method:          http.MethodPut,
		URL:             "/api/user/profile",
		Body:            body,
		Headers:         withAlice(t, map[string]string{"Content-Type": ctype}),
		BeforeTestFunc:  givePicture,
		ExpectedStatus:  200,
		ExpectedContent: []string{`"profile_picture":"/api/files/users/` + testutil.AliceId + `/new_`},
		TestAppFactory:  testutil.Factory,
		AfterTestFunc:   testutil.After(pictureStored),
	})

	// rejected updates leave alice unchanged
	rejected := []struct {
		name, method, body string
		status             int
		want               string
		keys               []string
	}{
		{"nickname longer than 20", http.MethodPatch, `{"nickname":"` + strings.Repeat("n", 21) + `"}`, 400, "", []string{"nickname"}},
		{"contact number longer than 15", http.MethodPatch, `{"contact_number":"0101234567890123"}`, 400, "", []string{"contact_number"}},
		{"contact number with letters", http.MethodPut, `{"contact_number":"call me"}`, 400, "", []string{"contact_number"}},
		{"bio longer than 500", http.MethodPatch, `{"bio":"` + strings.Repeat("b", 501) + `"}`, 400, "", []string{"bio"}},
		{"unknown status", http.MethodPatch, `{"status":"sleeping"}`, 400, `{"status":["\"sleeping\" is not a valid choice."]}`, nil},
		{"is_private is not a boolean", http.MethodPatch, `{"is_private":"maybe"}`, 400, `{"is_private":["Must be a valid boolean."]}`, nil},
		{"is_private is a number", http.MethodPut, `{"is_private":2}`, 400, `{"is_private":["Must be a valid boolean."]}`, nil},
		{"nickname is a number", http.MethodPatch, `{"nickname":1}`, 400, `{"nickname":["Not a valid string."]}`, nil},
		{"a valid field with an invalid one changes nothing", http.MethodPatch, `{"nickname":"Changed","is_private":"maybe"}`, 400,
			`{"is_private":["Must be a valid boolean."]}`, nil},
		{"valid fields with a too long nickname change nothing", http.MethodPatch, `{"bio":"changed","nickname":"` + strings.Repeat("n", 21) + `"}`, 400,
			"", []string{"nickname"}},
		{"picture is not a file", http.MethodPatch, `{"profile_picture":"http://example.com/x.png"}`, 400, "", []string{"profile_picture"}},
		{"JSON list body", http.MethodPatch, `[{"nickname":"x"}]`, 400, testutil.ListBodyError, nil},
		{"malformed JSON", http.MethodPut, `{"nickname":"x"`, 400, "", []string{"detail"}},
		{"oversized body", http.MethodPatch, oversizedJSON("bio"), 413, testutil.TooLargeBody, nil},
	}
	for _, r := range rejected {
		checks := []testutil.Check{aliceUnchanged()}
		if r.want != "" {
			checks = append(checks, testutil.BodyIs(r.want))
		} else {
			checks = append(checks, testutil.Keys(r.keys...))
		}
		scenarios = append(scenarios, tests.ApiScenario{
			Name:            r.name,
			Method:          r.method,
			URL:             "/user/profile/",
			Body:            strings.NewReader(r.body),
			Headers:         testutil.AuthHeader(t, testutil.AliceEmail),
			ExpectedStatus:  r.status,
			ExpectedContent: []string{`"`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(checks...),
		})
	}

	// rejected multipart uploads
	textFile, textType := testutil.Multipart(testutil.Field("nickname", "Changed"), testutil.File("profile_picture", "notes.png", []byte("just some text, not an image")))
	twoFiles, twoType := testutil.Multipart(testutil.File("profile_picture", "a.png", pngBytes(t)), testutil.File("profile_picture", "b.png", pngBytes(t)))
	badBool, badBoolType := testutil.Multipart(testutil.Field("is_private", "maybe"), testutil.Field("nickname", "Changed"), testutil.File("profile_picture", "a.png", pngBytes(t)))
	bigPicture, bigType := testutil.Multipart(testutil.File("profile_picture", "big.png", append(pngBytes(t), make([]byte, 5<<20)...)))
	hugeBody, hugeType := testutil.Multipart(testutil.File("profile_picture", "huge.png", append(pngBytes(t), make([]byte, 7<<20)...)))
	multipartRejected := []struct {
		name   string
		body   *bytes.Buffer
		ctype  string
		status int
		want   string
		keys   []string
	}{
		{"a text file as picture", textFile, textType, 400, "", []string{"profile_picture"}},
		{"two pictures", twoFiles, twoType, 400, `{"profile_picture":["Upload a single file."]}`, nil},
		{"invalid field next to a picture", badBool, badBoolType, 400, `{"is_private":["Must be a valid boolean."]}`, nil},
		{"picture above 5 MiB", bigPicture, bigType, 400, "", []string{"profile_picture"}},
		{"multipart body above 6 MiB", hugeBody, hugeType, 413, testutil.TooLargeBody, nil},
		{"broken multipart body", bytes.NewBufferString("--nope\r\ngarbage"), "multipart/form-data; boundary=xyz", 400, "", []string{"detail"}},
		{"multipart without a boundary", bytes.NewBufferString("x"), "multipart/form-data", 400, "", []string{"detail"}},
	}
	for _, r := range multipartRejected {
		checks := []testutil.Check{aliceUnchanged()}
		if r.want != "" {
			checks = append(checks, testutil.BodyIs(r.want))
		} else {
			checks = append(checks, testutil.Keys(r.keys...))
		}
		scenarios = append(scenarios, tests.ApiScenario{
			Name:            "multipart: " + r.name,
			Method:          http.MethodPatch,
			URL:             "/user/profile/",
			Body:            r.body,
			Headers:         withAlice(t, map[string]string{"Content-Type": r.ctype}),
			ExpectedStatus:  r.status,
			ExpectedContent: []string{`"`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(checks...),
		})
	}

	scenarios = append(scenarios,
		tests.ApiScenario{
			Name:            "bob edits only his own profile",
			Method:          http.MethodPatch,
			URL:             "/user/profile/",
			Body:            strings.NewReader(`{"nickname":"bobby","id":"` + testutil.AliceId + `"}`),
			Headers:         testutil.AuthHeader(t, testutil.BobEmail),
			ExpectedStatus:  200,
			ExpectedContent: []string{`"id":"` + testutil.BobId + `"`, `"nickname":"bobby"`},
			TestAppFactory:  testutil.Factory,
			AfterTestFunc:   testutil.After(aliceUnchanged()),
		},
	)

	// no credentials, a bad token, a superuser: refused, alice unchanged
	for _, method := range []string{http.MethodPatch, http.MethodPut} {
		for _, url := range testutil.Spellings("/user/profile") {
			scenarios = append(scenarios, testutil.AuthRejections(t, method, url, `{"nickname":"Hacked"}`, aliceUnchanged())...)
		}
	}
	testutil.Run(t, scenarios)
}
