package users_test

// The login failure limit holds when the guesses come all at once: each
// attempt is reserved before its password check, so no more than the limit
// of checks ever run, whichever API takes the guess.

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

// guesses is how many wrong passwords are sent at once; the limit is 5.
const (
	guesses       = 60
	failuresLimit = 5
)

// concurrently sends n requests made by build at the same moment to the
// server and counts the answers by status.
func concurrently(t *testing.T, server *httptest.Server, n int, build func() *http.Request) map[int]int {
	t.Helper()
	statuses := map[int]int{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	start := make(chan struct{})
	for range n {
		req := build()
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := server.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode == http.StatusTooManyRequests {
				if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err != nil || s < 1 {
					t.Errorf("429 without a Retry-After: %q", res.Header.Get("Retry-After"))
				}
			}
			mu.Lock()
			statuses[res.StatusCode]++
			mu.Unlock()
		}()
	}
	close(start)
	wg.Wait()
	return statuses
}

func jsonRequest(t *testing.T, method, url, body, token string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return req
}

// expectAtMostLimitChecked: every answer is a checked wrong password (400)
// or a refusal (429), and exactly the limit of them were checked.
func expectAtMostLimitChecked(t *testing.T, statuses map[int]int) {
	t.Helper()
	if statuses[400] != failuresLimit || statuses[429] != guesses-failuresLimit || len(statuses) != 2 {
		t.Fatalf("answers by status %v, want %d × 400 (passwords checked) and %d × 429", statuses, failuresLimit, guesses-failuresLimit)
	}
}

func TestLoginFailureLimitUnderConcurrency(t *testing.T) {
	t.Parallel()

	t.Run("POST /user/login/", func(t *testing.T) {
		t.Parallel()
		app := testutil.NewApp(t)
		server := httptest.NewServer(testutil.Routes(t, app))
		defer server.Close()
		login := func(password string) *http.Request {
			return jsonRequest(t, http.MethodPost, server.URL+"/user/login/",
				testutil.JSONOf(map[string]string{"email": testutil.AliceEmail, "password": password}), "")
		}
		expectAtMostLimitChecked(t, concurrently(t, server, guesses, func() *http.Request { return login("wrong-password") }))
		if got := concurrently(t, server, 1, func() *http.Request { return login(testutil.Password) }); got[429] != 1 {
			t.Fatalf("the right password after the limit: %v, want 429", got)
		}
		countIs("login_sessions", nil, 0)(t, app, nil)
	})

	t.Run("the SDK's auth-with-password", func(t *testing.T) {
		t.Parallel()
		app := testutil.NewApp(t)
		server := httptest.NewServer(testutil.Routes(t, app))
		defer server.Close()
		login := func(password string) *http.Request {
			return jsonRequest(t, http.MethodPost, server.URL+"/api/collections/users/auth-with-password",
				testutil.JSONOf(map[string]string{"identity": testutil.AliceEmail, "password": password}), "")
		}
		expectAtMostLimitChecked(t, concurrently(t, server, guesses, func() *http.Request { return login("wrong-password") }))
		if got := concurrently(t, server, 1, func() *http.Request { return login(testutil.Password) }); got[429] != 1 {
			t.Fatalf("the right password after the limit: %v, want 429", got)
		}
		// and the REST login shares the count
		if got := concurrently(t, server, 1, func() *http.Request {
			return jsonRequest(t, http.MethodPost, server.URL+"/user/login/",
				testutil.JSONOf(map[string]string{"email": testutil.AliceEmail, "password": testutil.Password}), "")
		}); got[429] != 1 {
			t.Fatalf("REST login after the SDK's failures: %v, want 429", got)
		}
	})

	t.Run("oldPassword of PocketBase's record update", func(t *testing.T) {
		t.Parallel()
		app := testutil.NewApp(t)
		server := httptest.NewServer(testutil.Routes(t, app))
		defer server.Close()
		token := strings.TrimPrefix(testutil.AuthHeader(t, testutil.AliceEmail)["Authorization"], "Bearer ")
		change := func(oldPassword string) *http.Request {
			return jsonRequest(t, http.MethodPatch, server.URL+"/api/collections/users/records/"+testutil.AliceId,
				testutil.JSONOf(map[string]string{"oldPassword": oldPassword, "password": "a-new-password", "passwordConfirm": "a-new-password"}), token)
		}
		expectAtMostLimitChecked(t, concurrently(t, server, guesses, func() *http.Request { return change("wrong-password") }))
		if got := concurrently(t, server, 1, func() *http.Request { return change(testutil.Password) }); got[429] != 1 {
			t.Fatalf("the right old password after the limit: %v, want 429", got)
		}
		if !member(t, app, testutil.AliceId).ValidatePassword(testutil.Password) {
			t.Fatal("the password was changed")
		}
		// the guesses count as failed logins of that e-mail too
		if got := concurrently(t, server, 1, func() *http.Request {
			return jsonRequest(t, http.MethodPost, server.URL+"/user/login/",
				testutil.JSONOf(map[string]string{"email": testutil.AliceEmail, "password": testutil.Password}), "")
		}); got[429] != 1 {
			t.Fatalf("login after the oldPassword guesses: %v, want 429", got)
		}
	})
}

// Changing the password with the right oldPassword still works, and other
// updates are not counted.
func TestOldPasswordChange(t *testing.T) {
	t.Parallel()
	c := testutil.NewClient(t)
	token := strings.TrimPrefix(testutil.AuthHeader(t, testutil.AliceEmail)["Authorization"], "Bearer ")
	url := "/api/collections/users/records/" + testutil.AliceId
	for i := range 10 {
		if res := c.Send(http.MethodPatch, url, `{"bio":"edit `+strconv.Itoa(i)+`"}`, token); res.Status != http.StatusOK {
			t.Fatalf("update %d without a password: %d %s", i, res.Status, res.Body)
		}
	}
	for i := range 4 {
		res := c.Send(http.MethodPatch, url, `{"oldPassword":"wrong-password","password":"a-new-password","passwordConfirm":"a-new-password"}`, token)
		if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), "validation_invalid_old_password") {
			t.Fatalf("wrong old password %d: %d %s", i+1, res.Status, res.Body)
		}
	}
	// a missing oldPassword is not a guess
	for i := range 3 {
		res := c.Send(http.MethodPatch, url, `{"password":"a-new-password","passwordConfirm":"a-new-password"}`, token)
		if res.Status != http.StatusBadRequest || !strings.Contains(string(res.Body), `"oldPassword":{"code":"validation_required"`) {
			t.Fatalf("missing old password %d: %d %s", i+1, res.Status, res.Body)
		}
	}
	res := c.Send(http.MethodPatch, url, `{"oldPassword":"`+testutil.Password+`","password":"a-new-password","passwordConfirm":"a-new-password"}`, token)
	if res.Status != http.StatusOK {
		t.Fatalf("right old password: %d %s", res.Status, res.Body)
	}
	if !member(t, c.App, testutil.AliceId).ValidatePassword("a-new-password") {
		t.Fatal("the password was not changed")
	}
}
