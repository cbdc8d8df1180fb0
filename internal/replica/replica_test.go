package replica_test

// Litestream against the real binary: `serve` with COBRA_REPLICA_URL
// replicates data.db into a directory while messages are sent, the server
// is killed with SIGKILL once the replica has every acknowledged message,
// and `restore` rebuilds a data dir from the replica alone — the newest
// state, and the state at a time between two batches of messages.

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/benbjohnson/litestream/file"
	"github.com/superfly/ltx"
	_ "modernc.org/sqlite"

	"github.com/cobraspace/cobraspace/internal/testutil/binserver"
)

const wait = 30 * time.Second

func TestMain(m *testing.M) { binserver.Main(m) }

// send posts one chat message until it is acknowledged (201); a 429 (the
// per-member send rate) is not an acknowledgement, so it waits the
// Retry-After the server names and sends again.
func send(t testing.TB, s *binserver.Server, token, room, text string) {
	t.Helper()
	for {
		a, err := s.Do(http.MethodPost, "/api/chat/message/", token, map[string]string{"room": room, "message": text})
		if err != nil {
			t.Fatal(err)
		}
		switch a.Status {
		case http.StatusCreated:
			return
		case http.StatusTooManyRequests:
			secs, _ := strconv.Atoi(a.Header.Get("Retry-After"))
			time.Sleep(time.Duration(max(secs, 1)) * time.Second) // the server's own Retry-After
		default:
			t.Fatalf("send %q: status %d: %s\nserver output:\n%s", text, a.Status, a.Body, s.Output())
		}
	}
}

// walEnd reads the WAL as SQLite does — the header's salts, then every
// frame whose salts and running checksum match — and answers the salts
// and the byte offset just past the last commit frame: everything a
// reader of the database sees, so every acknowledged message.
func walEnd(t testing.TB, walPath string) (salt1, salt2 uint32, end int64) {
	t.Helper()
	data, err := os.ReadFile(walPath)
	if err != nil {
		t.Fatalf("read the WAL: %v", err)
	}
	if len(data) < 32 {
		return 0, 0, 0
	}
	magic := binary.BigEndian.Uint32(data[0:])
	if magic != 0x377f0682 && magic != 0x377f0683 {
		t.Fatalf("%s: not a WAL (magic %#x)", walPath, magic)
	}
	order := binary.ByteOrder(binary.LittleEndian)
	if magic&1 == 1 {
		order = binary.BigEndian
	}
	checksum := func(s0, s1 uint32, b []byte) (uint32, uint32) {
		for i := 0; i+8 <= len(b); i += 8 {
			s0 += order.Uint32(b[i:]) + s1
			s1 += order.Uint32(b[i+4:]) + s0
		}
		return s0, s1
	}
	pageSize := int64(binary.BigEndian.Uint32(data[8:]))
	salt1, salt2 = binary.BigEndian.Uint32(data[16:]), binary.BigEndian.Uint32(data[20:])
	s0, s1 := checksum(0, 0, data[:24])
	if s0 != binary.BigEndian.Uint32(data[24:]) || s1 != binary.BigEndian.Uint32(data[28:]) {
		return 0, 0, 0 // a header being rewritten: no valid frame
	}
	end = 32
	for off := int64(32); off+24+pageSize <= int64(len(data)); off += 24 + pageSize {
		hdr := data[off : off+24]
		if binary.BigEndian.Uint32(hdr[8:]) != salt1 || binary.BigEndian.Uint32(hdr[12:]) != salt2 {
			break
		}
		s0, s1 = checksum(s0, s1, hdr[:8])
		s0, s1 = checksum(s0, s1, data[off+24:off+24+pageSize])
		if s0 != binary.BigEndian.Uint32(hdr[16:]) || s1 != binary.BigEndian.Uint32(hdr[20:]) {
			break
		}
		if binary.BigEndian.Uint32(hdr[4:]) != 0 { // a commit frame
			end = off + 24 + pageSize
		}
	}
	return salt1, salt2, end
}

// replicated answers whether the replica has an L0 LTX file copied from
// the WAL generation salt1/salt2 up to at least end. Litestream's L0 files
// are contiguous transactions, each recording the WAL range it was read
// from (WALOffset, WALSize, WALSalt1/2 in its header), and the file
// backend writes a file under a temporary name and renames it: a file
// that covers end means the replica holds every commit before end.
func replicated(t testing.TB, replicaDir string, salt1, salt2 uint32, end int64) bool {
	t.Helper()
	ctx := context.Background()
	client := file.NewReplicaClient(replicaDir)
	itr, err := client.LTXFiles(ctx, 0, 0, false)
	if err != nil {
		t.Fatalf("list the replica's L0 files: %v", err)
	}
	var infos []*ltx.FileInfo
	for itr.Next() {
		infos = append(infos, itr.Item())
	}
	if err := itr.Close(); err != nil {
		t.Fatalf("list the replica's L0 files: %v", err)
	}
	for i := len(infos) - 1; i >= 0; i-- { // newest first
		info := infos[i]
		rc, err := client.OpenLTXFile(ctx, 0, info.MinTXID, info.MaxTXID, 0, 0)
		if errors.Is(err, os.ErrNotExist) {
			continue // removed by L0 retention meanwhile
		} else if err != nil {
			t.Fatalf("open %s: %v", ltx.FormatFilename(info.MinTXID, info.MaxTXID), err)
		}
		hdr, _, err := ltx.DecodeHeader(rc)
		rc.Close()
		if err != nil {
			t.Fatalf("decode %s: %v", ltx.FormatFilename(info.MinTXID, info.MaxTXID), err)
		}
		if hdr.WALSalt1 == salt1 && hdr.WALSalt2 == salt2 && hdr.WALOffset+hdr.WALSize >= end {
			return true
		}
	}
	return false
}

// waitReplicated waits until the replica holds every transaction committed
// to the live server's WAL (no write is in flight: the test waits for its
// answers first). The WAL is read again each time: Litestream's own
// checkpoints may start a new WAL generation meanwhile.
func waitReplicated(t testing.TB, srv *binserver.Server, dataDir, replicaDir string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for {
		salt1, salt2, end := walEnd(t, filepath.Join(dataDir, "data.db-wal"))
		if end > 32 && replicated(t, replicaDir, salt1, salt2, end) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the replica did not reach the WAL's end (salts %08x/%08x, offset %d) within %s\nserver output:\n%s", salt1, salt2, end, wait, srv.Output())
		}
		time.Sleep(50 * time.Millisecond) // polling Litestream's files
	}
}

// restore runs `cobraspace restore`; its stderr.
func restore(t testing.TB, bin string, args ...string) string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"restore"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = io.Discard, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("restore %v: %v\n%s", args, err, stderr.String())
	}
	return stderr.String()
}

// messagesIn reads the texts of room's messages from a data dir's data.db.
func messagesIn(t testing.TB, dataDir, room string) map[string]int {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+filepath.Join(dataDir, "data.db")+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()
	rows, err := db.Query("SELECT message FROM messages WHERE room = ?", room)
	if err != nil {
		t.Fatalf("read the restored messages: %v", err)
	}
	defer rows.Close()
	got := map[string]int{}
	for rows.Next() {
		var text string
		if err := rows.Scan(&text); err != nil {
			t.Fatal(err)
		}
		got[text]++
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

func TestLitestreamRestoresEveryAcknowledgedMessage(t *testing.T) {
	bin := binserver.Build(t)
	dataDir, replicaDir := t.TempDir(), filepath.Join(t.TempDir(), "replica")
	binserver.AddSuperuser(t, bin, dataDir)
	srv := binserver.Start(t, bin, dataDir, "COBRA_REPLICA_URL="+replicaDir, "COBRA_REPLICA_SYNC_INTERVAL=200ms")

	const email, password = "replica@example.com", "replica-pass-123"
	srv.Call(t, http.StatusCreated, http.MethodPost, "/user/registration/", "", map[string]string{"email": email, "password": password, "nickname": "replica"})
	var login struct {
		Access string `json:"access"`
	}
	if err := json.Unmarshal(srv.Call(t, http.StatusOK, http.MethodPost, "/user/login/", "", map[string]string{"email": email, "password": password}), &login); err != nil || login.Access == "" {
		t.Fatalf("login: %v", err)
	}
	var post struct {
		Id string `json:"id"`
	}
	if err := json.Unmarshal(srv.Call(t, http.StatusCreated, http.MethodPost, "/api/post/write/", login.Access, map[string]any{
		"title": "Backed up", "content": "Does Litestream keep it?", "category": "Programming", "tags": []string{"sqlite"},
	}), &post); err != nil || post.Id == "" {
		t.Fatalf("post: %v", err)
	}
	var detail struct {
		Room struct {
			Id string `json:"id"`
		} `json:"room_data"`
	}
	if err := json.Unmarshal(srv.Call(t, http.StatusOK, http.MethodGet, "/api/post/detail/"+post.Id+"/", login.Access, nil), &detail); err != nil || detail.Room.Id == "" {
		t.Fatalf("post detail: %v", err)
	}
	room := detail.Room.Id

	const n = 20
	var first, second []string
	for i := range n {
		text := fmt.Sprintf("first batch %d", i)
		send(t, srv, login.Access, room, text)
		first = append(first, text)
	}
	waitReplicated(t, srv, dataDir, replicaDir)
	// between the batches: every first-batch message is in the replica,
	// no second-batch message has been sent
	between := time.Now().UTC()
	for i := range n {
		text := fmt.Sprintf("second batch %d", i)
		send(t, srv, login.Access, room, text)
		second = append(second, text)
	}
	waitReplicated(t, srv, dataDir, replicaDir)
	srv.Kill(t)

	// the newest state: every acknowledged message, once
	latest := filepath.Join(t.TempDir(), "latest")
	progress := restore(t, bin, "--replica", replicaDir, "--to", latest)
	if !strings.Contains(progress, "restore: wrote") {
		t.Errorf("restore's progress on stderr lacks its last line:\n%s", progress)
	}
	got := messagesIn(t, latest, room)
	for _, text := range append(append([]string{}, first...), second...) {
		if got[text] != 1 {
			t.Errorf("restored newest state: %q is there %d times, want once", text, got[text])
		}
	}
	if len(got) != 2*n {
		t.Errorf("restored newest state has %d distinct messages, want %d: %v", len(got), 2*n, got)
	}

	// a point in time between the batches: the first batch only
	atBetween := filepath.Join(t.TempDir(), "between")
	restore(t, bin, "--replica", "file://"+replicaDir, "--to", atBetween, "--timestamp", between.Format(time.RFC3339Nano))
	got = messagesIn(t, atBetween, room)
	for _, text := range first {
		if got[text] != 1 {
			t.Errorf("restored at %s: %q is there %d times, want once", between.Format(time.RFC3339Nano), text, got[text])
		}
	}
	for _, text := range second {
		if got[text] != 0 {
			t.Errorf("restored at %s: %q, sent after that time, is there", between.Format(time.RFC3339Nano), text)
		}
	}

	// a non-empty target is refused and left as it was
	cmd := exec.Command(bin, "restore", "--replica", replicaDir, "--to", latest)
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "not empty") {
		t.Errorf("restore into a non-empty directory: err %v, output %s", err, out)
	}

	// the restored data dir serves: the member logs in and reads the room
	again := binserver.Start(t, bin, latest)
	if err := json.Unmarshal(again.Call(t, http.StatusOK, http.MethodPost, "/user/login/", "", map[string]string{"email": email, "password": password}), &login); err != nil {
		t.Fatal(err)
	}
	var history struct {
		Messages []struct {
			Message string `json:"message"`
		} `json:"chat_messages"`
	}
	if err := json.Unmarshal(again.Call(t, http.StatusOK, http.MethodGet, "/api/chat/room/"+room+"/", login.Access, nil), &history); err != nil {
		t.Fatal(err)
	}
	if len(history.Messages) != 2*n || history.Messages[len(history.Messages)-1].Message != second[n-1] {
		t.Errorf("the restored server's room history has %d messages (want %d, the last %q)", len(history.Messages), 2*n, second[n-1])
	}
}

// Without COBRA_REPLICA_URL nothing is replicated: no Litestream files
// beside data.db, no tables of Litestream's in it.
func TestNoReplicationUnlessConfigured(t *testing.T) {
	bin := binserver.Build(t)
	dataDir := t.TempDir()
	binserver.AddSuperuser(t, bin, dataDir)
	srv := binserver.Start(t, bin, dataDir, "COBRA_REPLICA_URL=")
	srv.Kill(t)
	if _, err := os.Stat(filepath.Join(dataDir, ".data.db-litestream")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Litestream's local state exists without COBRA_REPLICA_URL (stat: %v)", err)
	}
	if strings.Contains(srv.Output(), "litestream") {
		t.Errorf("the server logged Litestream without COBRA_REPLICA_URL:\n%s", srv.Output())
	}
}
