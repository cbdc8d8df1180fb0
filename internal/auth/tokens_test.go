package auth_test

import (
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/pocketbase/pocketbase/tools/security"

	"github.com/cobraspace/cobraspace/internal/auth"
	"github.com/cobraspace/cobraspace/internal/testutil"
)

func TestRequestToken(t *testing.T) {
	for header, want := range map[string]string{
		"Bearer abc": "abc",
		"bearer abc": "abc",
		"abc":        "abc",
		"Bearer ":    "Bearer ",
		"":           "",
	} {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Authorization", header)
		if got := auth.RequestToken(r); got != want {
			t.Errorf("RequestToken(%q) = %q, want %q", header, got, want)
		}
	}
}

// A token whose session or revocation cannot be checked is refused.
func TestAccessTokenValidFailsClosed(t *testing.T) {
	app := testutil.NewApp(t)
	alice, err := app.FindRecordById("users", testutil.AliceId)
	if err != nil {
		t.Fatal(err)
	}
	plain, err := alice.NewAuthToken()
	if err != nil {
		t.Fatal(err)
	}
	withSession, err := security.NewJWT(jwt.MapClaims{"id": alice.Id, auth.ClaimSessionId: "nosuchsession00"}, "k", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !auth.AccessTokenValid(app, alice, plain) {
		t.Fatalf("a plain token that was never revoked must be valid")
	}
	if auth.AccessTokenValid(app, alice, withSession) {
		t.Fatalf("a token of a session that does not exist must be invalid")
	}
	if auth.MemberFromToken(app, plain) == nil {
		t.Fatalf("MemberFromToken(plain) = nil, want alice")
	}
	if auth.MemberFromToken(app, "garbage") != nil {
		t.Fatalf("MemberFromToken(garbage) must be nil")
	}
	for _, table := range []string{auth.RevokedCollection, auth.SessionCollection} {
		if _, err := app.DB().NewQuery("DROP TABLE " + table).Execute(); err != nil {
			t.Fatal(err)
		}
	}
	if auth.AccessTokenValid(app, alice, plain) {
		t.Errorf("a token whose revocation cannot be checked must be refused")
	}
	if auth.AccessTokenValid(app, alice, withSession) {
		t.Errorf("a token whose session cannot be checked must be refused")
	}
}
