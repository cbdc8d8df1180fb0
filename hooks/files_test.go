package hooks_test

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
	"github.com/pocketbase/pocketbase/tools/hook"

	"github.com/cobraspace/cobraspace/internal/testutil"
)

func pngFile(t testing.TB) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, image.NewGray(image.Rect(0, 0, 2, 2))); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pictureUpload is a multipart body uploading profile_picture.
func pictureUpload(t testing.TB, name string) (*bytes.Buffer, string) {
	t.Helper()
	return testutil.Multipart(testutil.File("profile_picture", name, pngFile(t)))
}

// storedFiles lists the files (not thumbnail dirs, not the metadata
// files) in a record's storage dir.
func storedFiles(t testing.TB, app core.App, r *core.Record) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Join(app.DataDir(), "storage", r.BaseFilesPath()))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if !e.IsDir() && !strings.HasSuffix(e.Name(), ".attrs") { // the local driver's metadata
			names = append(names, e.Name())
		}
	}
	return names
}

// Concurrent picture uploads — through PATCH and PUT /user/profile/ and the
// record API — leave exactly one file: the one the member references. The
// old picture is removed after a successful save; every save must see as
// "old" the picture the save before it stored, not the one both loaded.
func TestConcurrentPictureUploadsLeaveOneFile(t *testing.T) {
	t.Parallel()
	app := testutil.NewApp(t)
	alice := testutil.MustFind(t, app, "users", testutil.AliceId)
	first, err := filesystem.NewFileFromBytes(pngFile(t), "first.png")
	if err != nil {
		t.Fatal(err)
	}
	alice.Set("profile_picture", first)
	if err := app.Save(alice); err != nil {
		t.Fatal(err)
	}

	const uploads = 4
	// Every upload waits, once it has read the picture it replaces and
	// before it writes, until all of them have got that far — unless it
	// holds the write transaction by then (then the others cannot read
	// before it commits, and waiting for them would only deadlock).
	var mu sync.Mutex
	arrived := 0
	allRead := make(chan struct{})
	app.OnRecordUpdateExecute("users").Bind(&hook.Handler[*core.RecordEvent]{
		Priority: 100, // after PocketBase's file interceptor (99) read the old name and uploaded
		Func: func(e *core.RecordEvent) error {
			if e.App.IsTransactional() {
				return e.Next()
			}
			mu.Lock()
			arrived++
			if arrived == uploads {
				close(allRead)
			}
			mu.Unlock()
			<-allRead
			return e.Next()
		},
	})

	srv := httptest.NewServer(testutil.Routes(t, app))
	defer srv.Close()
	auth := testutil.AuthHeader(t, testutil.AliceEmail)["Authorization"]
	requests := []struct{ method, path string }{
		{http.MethodPatch, "/user/profile/"},
		{http.MethodPut, "/user/profile/"},
		{http.MethodPatch, "/api/user/profile/"},
		{http.MethodPatch, "/api/collections/users/records/" + testutil.AliceId},
	}
	var wg sync.WaitGroup
	for i, r := range requests {
		body, ctype := pictureUpload(t, fmt.Sprintf("upload%d.png", i))
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(r.method, srv.URL+r.path, body)
			req.Header.Set("Content-Type", ctype)
			req.Header.Set("Authorization", auth)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer res.Body.Close()
			if res.StatusCode != http.StatusOK {
				out, _ := io.ReadAll(res.Body)
				t.Errorf("%s %s: %d %s", r.method, r.path, res.StatusCode, out)
			}
		}()
	}
	wg.Wait()

	alice = testutil.MustFind(t, app, "users", testutil.AliceId)
	files := storedFiles(t, app, alice)
	if len(files) != 1 || files[0] != alice.GetString("profile_picture") {
		t.Errorf("storage holds %v; want only the referenced picture %q", files, alice.GetString("profile_picture"))
	}
}
