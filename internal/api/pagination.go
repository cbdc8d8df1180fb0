package api

import (
	"strconv"

	"github.com/pocketbase/pocketbase/core"
)

// Page is a bounded ?page=&page_size= window.
type Page struct {
	Number int
	Size   int
}

// Offset of the first row of the page.
func (p Page) Offset() int64 { return int64((p.Number - 1) * p.Size) }

// ReadPage parses ?page (from 1) and ?page_size (clamped to max, as DRF's
// max_page_size does).
func ReadPage(e *core.RequestEvent, defaultSize, maxSize int) (Page, error) {
	q := e.Request.URL.Query()
	p := Page{Number: 1, Size: defaultSize}
	fe := FieldErrors{}
	if raw := q.Get("page"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 1_000_000 {
			fe.Add("page", "A valid positive integer is required.")
		}
		p.Number = n
	}
	if raw := q.Get("page_size"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 {
			fe.Add("page_size", "A valid positive integer is required.")
		}
		p.Size = min(n, maxSize)
	}
	return p, fe.Err()
}
