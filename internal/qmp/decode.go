package qmp

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"
)

// maxMessageSize bounds one message from QEMU. The largest real replies
// (query-qmp-schema) are well under 1 MiB; the bound only keeps a
// misbehaving peer from growing our memory without limit.
const maxMessageSize = 16 << 20

// errMessageTooLong is returned by the reader for a line over its limit.
var errMessageTooLong = errors.New("qmp: message too long")

// message is any one line QEMU sends: the greeting, a reply (return or
// error, with the id of its command) or an event. Which fields are set
// tells them apart; see kind.
type message struct {
	QMP       json.RawMessage `json:"QMP"`
	Return    json.RawMessage `json:"return"`
	Error     *Error          `json:"error"`
	Event     string          `json:"event"`
	Data      json.RawMessage `json:"data"`
	ID        json.RawMessage `json:"id"`
	Timestamp *struct {
		Seconds      int64 `json:"seconds"`
		Microseconds int64 `json:"microseconds"`
	} `json:"timestamp"`
}

type messageKind int

const (
	kindUnknown messageKind = iota
	kindGreeting
	kindReply
	kindEvent
)

func (m *message) kind() messageKind {
	switch {
	case m.Event != "":
		return kindEvent
	case m.Return != nil || m.Error != nil:
		return kindReply
	case m.QMP != nil:
		return kindGreeting
	}
	return kindUnknown
}

// id returns the id of a reply if it is one of ours (a JSON unsigned
// integer). QEMU echoes ids verbatim and answers a command it could not
// parse with an error reply that has no id at all.
func (m *message) id() (uint64, bool) {
	if m.ID == nil {
		return 0, false
	}
	n, err := strconv.ParseUint(string(bytes.TrimSpace(m.ID)), 10, 64)
	return n, err == nil
}

// event converts an event message. QEMU stamps events with the host's
// wall clock; a missing stamp becomes the zero time.
func (m *message) event() Event {
	ev := Event{Name: m.Event, Data: m.Data}
	if ts := m.Timestamp; ts != nil && ts.Seconds >= 0 && ts.Microseconds >= 0 {
		ev.Timestamp = time.Unix(ts.Seconds, ts.Microseconds*int64(time.Microsecond))
	}
	return ev
}

// reader splits QEMU's output into messages. QMP is one JSON object per
// line (QEMU ends lines with "\r\n"); blank lines are skipped.
type reader struct {
	r   *bufio.Reader
	max int
}

func newReader(r io.Reader, max int) *reader {
	return &reader{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// next returns the next message. A line that is not a JSON object is an
// error: QEMU never sends one, so the peer is not QMP or the stream is
// out of step, and guessing would risk matching a reply to the wrong call.
func (r *reader) next() (message, error) {
	for {
		line, err := r.line()
		if len(bytes.TrimSpace(line)) == 0 {
			if err != nil {
				return message{}, err
			}
			continue
		}
		if err != nil && !errors.Is(err, io.EOF) {
			return message{}, err
		}
		// A final line without newline is still a whole message if it
		// parses; the EOF is reported by the next call.
		var m message
		if jerr := json.Unmarshal(line, &m); jerr != nil {
			if err != nil {
				// Cut off by the end of the connection, not malformed.
				return message{}, fmt.Errorf("qmp: connection ended inside a message: %w", err)
			}
			return message{}, fmt.Errorf("qmp: malformed message %.200q: %w", line, jerr)
		}
		return m, nil
	}
}

// line reads up to and including the next '\n', at most r.max bytes.
func (r *reader) line() ([]byte, error) {
	var buf []byte
	for {
		frag, err := r.r.ReadSlice('\n')
		if len(buf)+len(frag) > r.max {
			return nil, fmt.Errorf("%w: over %d bytes", errMessageTooLong, r.max)
		}
		if err == bufio.ErrBufferFull {
			buf = append(buf, frag...)
			continue
		}
		if buf == nil {
			// ReadSlice's result is only valid until the next read.
			buf = make([]byte, 0, len(frag))
		}
		return append(buf, frag...), err
	}
}
