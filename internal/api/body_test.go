package api_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/pocketbase/pocketbase/core"

	"github.com/cobraspace/cobraspace/internal/api"
)

func multipartEvent(body io.Reader) *core.RequestEvent {
	e := &core.RequestEvent{}
	e.Request = httptest.NewRequest(http.MethodPost, "/", body)
	e.Request.Header.Set("Content-Type", "multipart/form-data; boundary=xyz")
	e.Response = httptest.NewRecorder()
	return e
}

// Every cut of a multipart body short of its closing delimiter is a 400;
// the whole body is read, whatever the chunks it arrives in.
func TestReadBodyRefusesEveryTruncatedMultipart(t *testing.T) {
	complete := "--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n" +
		"--xyz\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n2\r\n--xyz--"
	for _, epilogue := range []string{"", "\r\n", "\r\nignored epilogue\r\n"} {
		for _, oneByte := range []bool{false, true} {
			var r io.Reader = strings.NewReader(complete + epilogue)
			if oneByte {
				r = iotest.OneByteReader(r)
			}
			body, err := api.ReadBody(multipartEvent(r), api.MaxJSONBody)
			if err != nil || body.Data["a"] != "1" || body.Data["b"] != "2" {
				t.Errorf("complete body (epilogue %q, one byte reads %v): %v %v", epilogue, oneByte, body, err)
			}
		}
	}
	for i := 0; i < len(complete); i++ {
		_, err := api.ReadBody(multipartEvent(iotest.OneByteReader(strings.NewReader(complete[:i]))), api.MaxJSONBody)
		var p *api.Problem
		if !errors.As(err, &p) || p.Status != http.StatusBadRequest {
			t.Errorf("body cut after %d bytes (%q): err = %v, want a 400", i, complete[max(0, i-12):i], err)
		}
	}
	// a form without parts is complete too
	if _, err := api.ReadBody(multipartEvent(strings.NewReader("--xyz--\r\n")), api.MaxJSONBody); err != nil {
		t.Errorf("empty form: %v", err)
	}
}
