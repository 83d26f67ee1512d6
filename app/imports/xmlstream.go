package imports

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

var (
	errPartTooLarge = errors.New("part exceeds its uncompressed size limit")
	errTokenTooLong = errors.New("xml token exceeds the token size limit")
	errDirective    = errors.New("xml directive (DOCTYPE, ENTITY…) not allowed")
	errTooDeep      = errors.New("xml nesting exceeds the depth limit")
	errMismatch     = errors.New("xml end element does not match its start")
)

// partReader passes at most left bytes of a decompressed stream and fails, rather than
// stopping quietly, when the stream has more: a part cut short would read as valid.
type partReader struct {
	r    io.Reader
	left int64
}

func (p *partReader) Read(b []byte) (int, error) {
	if p.left <= 0 {
		var one [1]byte
		for {
			n, err := p.r.Read(one[:])
			if n > 0 {
				return 0, errPartTooLarge
			}
			if err != nil {
				return 0, err
			}
		}
	}
	if int64(len(b)) > p.left {
		b = b[:p.left]
	}
	n, err := p.r.Read(b)
	p.left -= int64(n)
	return n, err
}

// tokenGuard watches the bytes going into the XML decoder and fails when one construct
// grows beyond max bytes: a tag with the text after it (both end at the next '<'), a
// comment, a CDATA section or a processing instruction. encoding/xml holds a whole token
// in memory before returning it, so this is what bounds its buffer. Directives
// (<!DOCTYPE…>) never appear in spreadsheets and are refused.
type tokenGuard struct {
	r     io.Reader
	max   int
	n     int    // bytes of the current construct
	state uint8  // one of the g* states
	bang  []byte // bytes after "<!" while deciding what follows
	tail  [2]byte
}

const (
	gText    = iota // in a tag or text: a '<' starts the next construct
	gOpen           // just after '<'
	gBang           // after "<!", reading "--" or "[CDATA["
	gComment        // inside <!-- -->
	gCDATA          // inside <![CDATA[ ]]>
	gPI             // inside <? ?>
)

func (g *tokenGuard) Read(b []byte) (int, error) {
	n, err := g.r.Read(b)
	for _, c := range b[:n] {
		g.n++
		if g.n > g.max {
			return 0, errTokenTooLong
		}
		switch g.state {
		case gText:
			if c == '<' {
				g.state, g.n = gOpen, 1
			}
		case gOpen:
			switch c {
			case '!':
				g.state, g.bang = gBang, g.bang[:0]
			case '?':
				g.state, g.tail = gPI, [2]byte{}
			case '<':
				// "<<" is a syntax error the decoder reports; restart the count anyway.
				g.n = 1
			default:
				g.state = gText
			}
		case gBang:
			g.bang = append(g.bang, c)
			switch s := string(g.bang); {
			case s == "--":
				g.state, g.tail = gComment, [2]byte{}
			case s == "[CDATA[":
				g.state, g.tail = gCDATA, [2]byte{}
			case !strings.HasPrefix("--", s) && !strings.HasPrefix("[CDATA[", s):
				return 0, errDirective
			}
		case gComment, gCDATA, gPI:
			end := false
			switch g.state {
			case gComment:
				end = c == '>' && g.tail == [2]byte{'-', '-'}
			case gCDATA:
				end = c == '>' && g.tail == [2]byte{']', ']'}
			case gPI:
				end = c == '>' && g.tail[1] == '?'
			}
			g.tail = [2]byte{g.tail[1], c}
			if end {
				g.state, g.n = gText, 0
			}
		}
	}
	return n, err
}

// xmlStream is an XML part read token by token with the nesting checked: depth bounded,
// every end element matching its start (RawToken does neither), the document closed.
type xmlStream struct {
	d        *xml.Decoder
	stack    []xml.Name
	maxDepth int
	done     bool
}

func newXMLStream(r io.Reader, lim Limits) *xmlStream {
	d := xml.NewDecoder(&tokenGuard{r: r, max: lim.MaxTokenBytes})
	return &xmlStream{d: d, maxDepth: lim.MaxDepth}
}

// next returns the next StartElement, EndElement or CharData; io.EOF at the end of a
// well-formed document. Comments, processing instructions and character data outside
// the root are skipped. CharData is only valid until the following call.
func (x *xmlStream) next() (xml.Token, error) {
	for {
		tok, err := x.d.RawToken()
		if err == io.EOF {
			if len(x.stack) > 0 || !x.done {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, io.EOF
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if x.done {
				return nil, errMismatch // a second root element
			}
			if len(x.stack) >= x.maxDepth {
				return nil, errTooDeep
			}
			x.stack = append(x.stack, t.Name)
			return tok, nil // tok, not t: boxing t again would allocate
		case xml.EndElement:
			if len(x.stack) == 0 || x.stack[len(x.stack)-1] != t.Name {
				return nil, errMismatch
			}
			x.stack = x.stack[:len(x.stack)-1]
			x.done = len(x.stack) == 0
			return tok, nil
		case xml.CharData:
			if len(x.stack) > 0 {
				return tok, nil
			}
		case xml.Directive:
			return nil, errDirective
		}
	}
}

// each calls fn with every token of the part, in order, until the end or an error.
func (x *xmlStream) each(fn func(tok xml.Token) error) error {
	for {
		tok, err := x.next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(tok); err != nil {
			return err
		}
	}
}

// depth is the number of elements open, the current one included.
func (x *xmlStream) depth() int { return len(x.stack) }

// parent is the local name of the element enclosing the current one ("" at the root).
func (x *xmlStream) parent() string {
	if len(x.stack) < 2 {
		return ""
	}
	return x.stack[len(x.stack)-2].Local
}

func attr(e xml.StartElement, local string) (string, bool) {
	for _, a := range e.Attr {
		if a.Name.Local == local && a.Name.Space == "" {
			return a.Value, true
		}
	}
	return "", false
}

// relAttr is an attribute in some namespace (r:id), whatever its prefix.
func relAttr(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local && a.Name.Space != "" {
			return a.Value
		}
	}
	return ""
}
