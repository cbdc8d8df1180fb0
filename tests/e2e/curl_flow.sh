#!/usr/bin/env bash
# The documented /user/* flow with plain curl — the README's walkthrough,
# run as a test by curl_flow.test.mjs.
#
#   bash tests/e2e/curl_flow.sh http://127.0.0.1:8090
#
# Registers two new members (unique e-mails, so it can run against any
# server), then: login → profile → edit profile and picture → add friend →
# friends list → a private profile → search → delete friend → logout.
# Every step checks the HTTP status; the first surprise stops the script
# with exit code 1. Needs bash, curl and node (for reading JSON).
set -euo pipefail

B="${1:-http://127.0.0.1:8090}"
B="${B%/}"
RUN="$(node -e 'process.stdout.write(Date.now().toString(36) + Math.random().toString(36).slice(2, 5))')"
ALICE="alice.$RUN@curl.example"
BOB="bob.$RUN@curl.example"
PASSWORD='curl-pass-1234'

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
BODY="$WORK/body.json"

# json FIELD [FILE]: prints a field of a JSON answer ("profile.id", "0.email");
# strings raw, anything else as JSON.
json() {
  node -e '
    let v = JSON.parse(require("fs").readFileSync(process.argv[2] || 0, "utf8"));
    for (const k of process.argv[1].split(".")) v = v == null ? undefined : v[k];
    process.stdout.write(typeof v === "string" ? v : String(JSON.stringify(v)));
  ' "$1" "${2:-$BODY}"
}

# call EXPECTED_STATUS METHOD PATH [curl options...]: one request; the
# answer goes to $BODY and is printed; a different status stops the script.
call() {
  local expected="$1" method="$2" path="$3"
  shift 3
  local meta status type
  : > "$BODY"
  meta="$(curl -sS -o "$BODY" -w '%{http_code} %{content_type}' -X "$method" "$B$path" "$@")"
  status="${meta%% *}"
  type="${meta#* }"
  if [[ "$type" == application/json* ]]; then
    printf '%s %s -> %s\n    %s\n' "$method" "$path" "$status" "$(head -c 400 "$BODY")"
  else
    printf '%s %s -> %s\n    (%s, %s bytes)\n' "$method" "$path" "$status" "$type" "$(wc -c < "$BODY")"
  fi
  if [[ "$status" != "$expected" ]]; then
    echo "FAILED: expected HTTP $expected" >&2
    exit 1
  fi
}

# expect WHAT ACTUAL WANTED: compares a value read from an answer.
expect() {
  if [[ "$2" != "$3" ]]; then
    echo "FAILED: $1 is '$2', expected '$3'" >&2
    exit 1
  fi
}

step() { printf '\n== %s\n' "$*"; }

JSON=(-H 'Content-Type: application/json')

step "1. Register two members"
call 201 POST /user/registration/ "${JSON[@]}" \
  -d "{\"email\":\"$ALICE\",\"password\":\"$PASSWORD\",\"nickname\":\"Alice\"}"
expect "message" "$(json message)" "회원가입이 완료되었습니다."
ALICE_ID="$(json profile.id)"
call 201 POST /user/registration/ "${JSON[@]}" \
  -d "{\"email\":\"$BOB\",\"password1\":\"$PASSWORD\",\"password2\":\"$PASSWORD\"}"
BOB_ID="$(json profile.id)"
expect "bob's default nickname" "$(json profile.nickname)" "bob.$RUN"

step "   Registering the same e-mail again is refused"
call 400 POST /user/registration/ "${JSON[@]}" -d "{\"email\":\"$ALICE\",\"password\":\"$PASSWORD\"}"
expect "error" "$(json email.0)" "A user is already registered with this e-mail address."

step "2. Log in: access + refresh tokens"
call 400 POST /user/login/ "${JSON[@]}" -d "{\"email\":\"$ALICE\",\"password\":\"wrong-password\"}"
call 200 POST /user/login/ "${JSON[@]}" -d "{\"email\":\"$ALICE\",\"password\":\"$PASSWORD\"}"
expect "message" "$(json message)" "환영합니다."
ACCESS="$(json access)"
REFRESH="$(json refresh)"
call 200 POST /user/login/ "${JSON[@]}" -d "{\"email\":\"$BOB\",\"password\":\"$PASSWORD\"}"
BOB_ACCESS="$(json access)"
AUTH=(-H "Authorization: Bearer $ACCESS")
BOB_AUTH=(-H "Authorization: Bearer $BOB_ACCESS")

step "   Exchange the refresh token for a new pair"
call 200 POST /user/token/refresh/ "${JSON[@]}" -d "{\"refresh\":\"$REFRESH\"}"
ACCESS="$(json access)"
REFRESH="$(json refresh)"
AUTH=(-H "Authorization: Bearer $ACCESS")

step "3. My profile"
call 401 GET /user/profile/
call 200 GET /user/profile/ "${AUTH[@]}"
expect "email" "$(json email)" "$ALICE"
expect "nickname" "$(json nickname)" "Alice"

step "4. Edit it (JSON), then upload a picture (multipart)"
call 200 PATCH /user/profile/ "${AUTH[@]}" "${JSON[@]}" \
  -d '{"bio":"Go, SQLite and curl","contact_number":"010-1234-5678","status":"busy"}'
expect "status" "$(json status)" "busy"
node -e 'process.stdout.write(Buffer.from(process.argv[1], "base64"))' \
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC' > "$WORK/me.png"
call 200 PATCH /user/profile/ "${AUTH[@]}" -F "profile_picture=@$WORK/me.png;type=image/png" -F nickname=AliceP
PICTURE="$(json profile_picture)"
case "$PICTURE" in
  "/api/files/users/$ALICE_ID/"*.png) ;;
  *) echo "FAILED: profile_picture is '$PICTURE', expected /api/files/users/$ALICE_ID/<file>.png" >&2; exit 1 ;;
esac
expect "bio after the upload" "$(json bio)" "Go, SQLite and curl"
call 200 GET "$PICTURE"
cmp -s "$BODY" "$WORK/me.png" || { echo "FAILED: the served picture differs from the upload" >&2; exit 1; }

step "5. Bob makes his profile private"
call 200 PATCH /user/profile/ "${BOB_AUTH[@]}" "${JSON[@]}" -d '{"is_private":true}'
expect "is_private" "$(json is_private)" "true"

step "6. Alice adds Bob; her friends list"
call 200 POST /user/add-friend/ "${AUTH[@]}" "${JSON[@]}" -d "{\"email\":\"$BOB\"}"
call 400 POST /user/add-friend/ "${AUTH[@]}" "${JSON[@]}" -d "{\"email\":\"$BOB\"}"
call 404 POST /user/add-friend/ "${AUTH[@]}" "${JSON[@]}" -d "{\"email\":\"nobody.$RUN@curl.example\"}"
expect "detail" "$(json detail)" "User with this email does not exist."
call 200 GET /user/friends/ "${AUTH[@]}"
expect "first friend" "$(json 0.email)" "$BOB"
expect "friends" "$(json length)" "1"

step "7. Bob's profile is private: Alice may not read it until Bob adds her"
call 403 GET "/user/friend-profile/$BOB_ID/" "${AUTH[@]}"
expect "message" "$(json message)" "This account is private."
call 200 POST /user/add-friend/ "${BOB_AUTH[@]}" "${JSON[@]}" -d "{\"email\":\"$ALICE\"}"
call 200 GET "/user/friend-profile/$BOB_ID/" "${AUTH[@]}"
expect "profile id" "$(json id)" "$BOB_ID"
call 404 GET /user/friend-profile/nosuchuser0000/ "${AUTH[@]}"

step "8. Search members by e-mail (case-insensitive)"
call 200 GET "/user/search-friends/?keyword=BOB.$RUN" "${AUTH[@]}"
expect "found" "$(json 0.id)" "$BOB_ID"
call 400 GET /user/search-friends/ "${AUTH[@]}"

step "9. Delete the friend"
call 200 POST /user/delete-friend/ "${AUTH[@]}" "${JSON[@]}" -d "{\"email\":\"$BOB\"}"
call 404 POST /user/delete-friend/ "${AUTH[@]}" "${JSON[@]}" -d "{\"email\":\"$BOB\"}"
expect "detail" "$(json detail)" "${BOB}님은 친구 목록에 없습니다."
call 200 GET /user/friends/ "${AUTH[@]}"
expect "friends" "$(json length)" "0"

step "10. Log out: that session's access and refresh tokens stop working"
call 200 POST /user/logout/ "${AUTH[@]}"
expect "message" "$(json message)" "로그아웃이 완료되었습니다."
call 401 GET /user/profile/ "${AUTH[@]}"
call 401 POST /user/token/refresh/ "${JSON[@]}" -d "{\"refresh\":\"$REFRESH\"}"
call 404 GET "/api/collections/users/records/$ALICE_ID" "${AUTH[@]}"
call 200 GET /user/profile/ "${BOB_AUTH[@]}"

printf '\ncurl flow: all steps passed\n'
