package cluster

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/cobraspace/cobraspace/internal/chat"
)

// Subjects. Room ids and node names never hold "." or spaces (room ids
// are PocketBase ids; node names are checked), so they are single tokens.
const (
	// roomSubjectPrefix + room id: every event of that room, in the
	// writer's order. An edge subscribes only while it has listeners there.
	roomSubjectPrefix = "cobra.room."
	// ControlSubject: events that name no room (access checked again for
	// members or a token, a member's blocks), for every edge.
	ControlSubject = "cobra.control"

	// requests from the edges to the writer
	AdmitSubject = "cobra.rpc.admit" // AdmitRequest → chat.Admission
	CheckSubject = "cobra.rpc.check" // AdmitRequest → CheckReply
	FrameSubject = "cobra.rpc.frame" // FrameRequest → FrameReply
	// PingSubject: is the writer there (an edge's health)? Answered "{}".
	PingSubject = "cobra.rpc.ping"

	// PresenceSubject: the edges' presence reports and heartbeats, for
	// the writer (PresenceReport).
	PresenceSubject = "cobra.presence"
	// syncSubjectPrefix + node: the writer asks that node for its whole
	// presence (it answers with a full PresenceReport on PresenceSubject).
	syncSubjectPrefix = "cobra.presence.sync."
)

// SyncSubject is where node is asked for its whole presence.
func SyncSubject(node string) string { return syncSubjectPrefix + node }

// RoomSubject is a room's subject.
func RoomSubject(roomId string) string { return roomSubjectPrefix + roomId }

// ValidRoomId reports whether id can be a room's id (and so one token of
// its subject): anything else is an unknown room.
func ValidRoomId(id string) bool { return len(id) <= 64 && validSubjectToken(id) }

// ValidNodeName reports whether name can name a node: letters, digits,
// "-" and "_".
func ValidNodeName(name string) bool {
	if name == "" || len(name) > 64 {
		return false
	}
	for _, r := range name {
		if !nameRune(r) {
			return false
		}
	}
	return true
}

func nameRune(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_'
}

// validSubjectToken reports whether s can be one token of a subject.
func validSubjectToken(s string) bool {
	return s != "" && !strings.ContainsAny(s, ". \t\r\n*>")
}

// A room's frames, the bulk of the traffic, travel as they are: the frame
// is the message's data and who it comes from (or is not for) goes in
// headers. Any other event is its JSON, marked by the kind header.
const (
	headerKind   = "Cobra-Kind"
	headerFrom   = "Cobra-From"
	headerExcept = "Cobra-Except"
)

// Every event on a room subject carries the writer's run (a random id
// per start) and the room's event number in that run (1, 2, ...): an edge
// that sees a number skipped within a run missed an event (a NATS route
// that was down, a subscriber that fell behind) and drops the room's
// connections, whose clients reconnect and catch up by cursor. Nothing is
// lost silently.
const (
	headerRun = "Cobra-Run"
	headerSeq = "Cobra-Seq"
)

// RoomSequence is a room's place in the writer's events, as an edge saw
// it last.
type RoomSequence struct {
	run string
	seq uint64
}

// Follows reports whether msg comes right after what s saw (or is the
// first, or of a new run), and records it.
func (s *RoomSequence) Follows(msg *nats.Msg) bool {
	run := msg.Header.Get(headerRun)
	seq, err := strconv.ParseUint(msg.Header.Get(headerSeq), 10, 64)
	if err != nil || run == "" {
		return true // not numbered (a writer without them): nothing to check
	}
	follows := s.run != run || seq == s.seq+1
	s.run, s.seq = run, seq
	return follows
}

// encodeEvent is ev as a NATS message on its subject.
func encodeEvent(ev chat.Event) *nats.Msg {
	subject := ControlSubject
	if ev.Room != "" {
		subject = RoomSubject(ev.Room)
	}
	msg := nats.NewMsg(subject)
	if ev.Kind == chat.EventRoom {
		msg.Data = ev.Frame
		for _, id := range ev.From {
			msg.Header.Add(headerFrom, id)
		}
		if ev.Except != "" {
			msg.Header.Set(headerExcept, ev.Except)
		}
		return msg
	}
	msg.Header.Set(headerKind, string(ev.Kind))
	msg.Data, _ = json.Marshal(ev) // strings, ids and a raw frame: cannot fail
	return msg
}

// DecodeEvent is the event msg carries (false for one that is not).
func DecodeEvent(msg *nats.Msg) (chat.Event, bool) {
	kind := msg.Header.Get(headerKind)
	if kind == "" {
		roomId, ok := strings.CutPrefix(msg.Subject, roomSubjectPrefix)
		if !ok {
			return chat.Event{}, false
		}
		return chat.Event{
			Kind: chat.EventRoom, Room: roomId, Frame: msg.Data,
			From: msg.Header.Values(headerFrom), Except: msg.Header.Get(headerExcept),
		}, true
	}
	var ev chat.Event
	if json.Unmarshal(msg.Data, &ev) != nil || string(ev.Kind) != kind {
		return chat.Event{}, false
	}
	return ev, true
}

// AdmitRequest asks the writer whether a connection with Token may be
// in Room.
type AdmitRequest struct {
	Token string `json:"token"`
	Room  string `json:"room"`
}

// CheckReply is the answer to an access check: Code 0 when it holds.
type CheckReply struct {
	Code   int    `json:"code,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// FrameRequest is a frame an edge's WebSocket client sent.
type FrameRequest struct {
	Token string `json:"token"`
	Room  string `json:"room"`
	Data  string `json:"data"` // as the client sent it (any UTF-8 text)
}

// FrameReply is the writer's answer to it: the error frame for the
// client (if any), or the close code and reason when access ended.
type FrameReply struct {
	Frame  json.RawMessage `json:"frame,omitempty"`
	Code   int             `json:"code,omitempty"`
	Reason string          `json:"reason,omitempty"`
}

// PresenceReport is an edge's word on presence: a heartbeat (nothing
// else), a change (Entry, Online), or everything it has online (Full,
// Entries).
type PresenceReport struct {
	Node    string               `json:"node"`
	Entry   *chat.PresenceEntry  `json:"entry,omitempty"`
	Online  bool                 `json:"online,omitempty"`
	Full    bool                 `json:"full,omitempty"`
	Entries []chat.PresenceEntry `json:"entries,omitempty"`
}
