package api

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/pocketbase/pocketbase/core"
	"github.com/pocketbase/pocketbase/tools/filesystem"
)

// Body size limits of the documented routes.
const (
	MaxJSONBody      = 64 << 10 // 64 KiB: generous for any JSON form of ours
	MaxMultipartBody = 6 << 20  // 6 MiB: a 5 MiB picture plus fields
)

// Body is a decoded request body: a JSON object or form fields, plus files.
type Body struct {
	Data  map[string]any
	Files map[string][]*filesystem.File
}

// ReadBody decodes a JSON, multipart or url-encoded body of at most
// maxBytes (multipart bodies may use MaxMultipartBody). Errors are 4xx
// Problems in the DRF shapes.
func ReadBody(e *core.RequestEvent, maxBytes int64) (*Body, error) {
	ctype, _, _ := mime.ParseMediaType(e.Request.Header.Get("Content-Type"))
	switch ctype {
	case "", "application/json":
		return readJSON(e, maxBytes)
	case "multipart/form-data":
		return readForm(e, MaxMultipartBody, true)
	case "application/x-www-form-urlencoded":
		if looksLikeJSON(e) {
			return readJSON(e, maxBytes) // curl -d '{...}' sends JSON under the form type
		}
		return readForm(e, maxBytes, false)
	default:
		return nil, Detail(http.StatusUnsupportedMediaType, fmt.Sprintf("Unsupported media type %q in request.", ctype))
	}
}

// looksLikeJSON peeks at the first non-space byte of the body.
func looksLikeJSON(e *core.RequestEvent) bool {
	buf := bufio.NewReader(e.Request.Body)
	e.Request.Body = struct {
		io.Reader
		io.Closer
	}{buf, e.Request.Body}
	for {
		b, err := buf.Peek(1)
		if err != nil || len(b) == 0 {
			return false
		}
		switch b[0] {
		case ' ', '\t', '\r', '\n':
			_, _ = buf.ReadByte()
		case '{', '[':
			return true
		default:
			return false
		}
	}
}

func tooLarge() *Problem {
	return Detail(http.StatusRequestEntityTooLarge, "Request body is too large.")
}

func readJSON(e *core.RequestEvent, maxBytes int64) (*Body, error) {
	raw, err := io.ReadAll(io.LimitReader(e.Request.Body, maxBytes+1))
	if err != nil {
		return nil, Detail(http.StatusBadRequest, "Could not read the request body.")
	}
	if int64(len(raw)) > maxBytes {
		return nil, tooLarge()
	}
	body := &Body{Data: map[string]any{}}
	if len(bytes.TrimSpace(raw)) == 0 {
		return body, nil
	}
	var decoded any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&decoded); err != nil || dec.More() {
		msg := "trailing data"
		if err != nil {
			msg = err.Error()
		}
		return nil, Detail(http.StatusBadRequest, "JSON parse error - "+msg)
	}
	obj, ok := decoded.(map[string]any)
	if !ok {
		return nil, &Problem{Status: http.StatusBadRequest, Body: FieldErrors{
			"non_field_errors": {fmt.Sprintf("Invalid data. Expected a dictionary, but got %s.", jsonKind(decoded))},
		}}
	}
	body.Data = obj
	return body, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case []any:
		return "list"
	case string:
		return "str"
	case bool:
		return "bool"
	case json.Number:
		return "int"
	case nil:
		return "null"
	}
	return "value"
}

func readForm(e *core.RequestEvent, maxBytes int64, multipart bool) (*Body, error) {
	e.Request.Body = http.MaxBytesReader(e.Response, e.Request.Body, maxBytes)
	var err error
	if multipart {
		closing := watchClosingDelimiter(e.Request)
		err = e.Request.ParseMultipartForm(1 << 20)
		if err == nil && closing != nil && !closing.seen {
			// Go's multipart reader takes an EOF inside a part header for
			// the end of the form: a body cut off there would pass as
			// complete, with the parts before the cut
			err = errors.New("multipart: the body ends before its closing boundary")
		}
	} else {
		err = e.Request.ParseForm()
	}
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, tooLarge()
		}
		return nil, Detail(http.StatusBadRequest, "Form parse error - "+err.Error())
	}
	body := &Body{Data: map[string]any{}, Files: map[string][]*filesystem.File{}}
	values := e.Request.PostForm
	if multipart && e.Request.MultipartForm != nil {
		values = e.Request.MultipartForm.Value
		for key, headers := range e.Request.MultipartForm.File {
			for _, fh := range headers {
				f, err := filesystem.NewFileFromMultipart(fh)
				if err != nil {
					return nil, Detail(http.StatusBadRequest, "Could not read the uploaded file.")
				}
				body.Files[key] = append(body.Files[key], f)
			}
		}
	}
	for key, vals := range values {
		if len(vals) == 1 {
			body.Data[key] = vals[0]
			continue
		}
		list := make([]any, len(vals))
		for i, v := range vals {
			list[i] = v
		}
		body.Data[key] = list
	}
	return body, nil
}

// closingWatcher passes a multipart body through and notes whether its
// closing delimiter ("\r\n--" + boundary + "--") went by. The boundary
// cannot occur inside a part, so a body that has one is complete up to its
// closing delimiter, and one without it was cut off.
type closingWatcher struct {
	io.ReadCloser
	delimiter []byte
	tail      []byte // the last len(delimiter)-1 bytes read, to match across reads
	seen      bool
}

// watchClosingDelimiter wraps r.Body in a closingWatcher (nil when the
// content type has no boundary: parsing fails on its own then).
func watchClosingDelimiter(r *http.Request) *closingWatcher {
	_, params, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		return nil
	}
	w := &closingWatcher{
		ReadCloser: r.Body,
		delimiter:  []byte("\r\n--" + params["boundary"] + "--"),
		tail:       []byte("\r\n"), // a body may open with its closing delimiter
	}
	r.Body = w
	return w
}

func (w *closingWatcher) Read(p []byte) (int, error) {
	n, err := w.ReadCloser.Read(p)
	if n > 0 && !w.seen {
		window := append(w.tail, p[:n]...)
		w.seen = bytes.Contains(window, w.delimiter)
		if keep := len(w.delimiter) - 1; len(window) > keep {
			window = window[len(window)-keep:]
		}
		w.tail = append(w.tail[:0], window...)
	}
	return n, err
}

// Has reports whether the body names field (even with a null value), or
// uploads a file under it.
func (b *Body) Has(field string) bool {
	_, ok := b.Data[field]
	return ok || len(b.Files[field]) > 0
}

// String reads an optional string field. ok is false when the field is
// absent or null, or when it has another type (then fe records the error).
func (b *Body) String(fe FieldErrors, field string) (value string, ok bool) {
	raw, present := b.Data[field]
	if !present || raw == nil {
		return "", false
	}
	s, isString := raw.(string)
	if !isString {
		fe.Add(field, MsgNotString)
		return "", false
	}
	return s, true
}

// RequiredString reads a string that must be present and not blank.
func (b *Body) RequiredString(fe FieldErrors, field string) string {
	if raw, present := b.Data[field]; !present || raw == nil {
		fe.Add(field, MsgRequired)
		return ""
	}
	s, ok := b.String(fe, field)
	if ok && strings.TrimSpace(s) == "" {
		fe.Add(field, "This field may not be blank.")
		return ""
	}
	return s
}

// Bool reads an optional boolean; form values "true"/"false"/"1"/"0"/"on"/"off" are accepted.
func (b *Body) Bool(fe FieldErrors, field string) (value bool, ok bool) {
	raw, present := b.Data[field]
	if !present || raw == nil {
		return false, false
	}
	switch v := raw.(type) {
	case bool:
		return v, true
	case string:
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "true", "1", "on", "yes":
			return true, true
		case "false", "0", "off", "no":
			return false, true
		}
	case json.Number:
		switch v.String() {
		case "1":
			return true, true
		case "0":
			return false, true
		}
	}
	fe.Add(field, MsgNotBoolean)
	return false, false
}
