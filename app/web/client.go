package web

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// Who the client is, and how much it may send: both decided before a handler runs.

// ParseTrustedProxies reads ZHIBU_TRUST_PROXY: a comma-separated list of the reverse
// proxies' addresses or CIDRs ("127.0.0.1, 10.0.0.0/8"). "false" or empty trusts none;
// "true" trusts loopback and the private networks (a proxy on the same host or in the
// same Docker network).
func ParseTrustedProxies(v string) ([]netip.Prefix, error) {
	v = strings.TrimSpace(v)
	switch strings.ToLower(v) {
	case "", "false", "0", "no":
		return nil, nil
	case "true", "1", "yes":
		v = "127.0.0.0/8, ::1/128, 10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16, fc00::/7"
	}
	var out []netip.Prefix
	for _, part := range strings.Split(v, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if strings.Contains(part, "/") {
			p, err := netip.ParsePrefix(part)
			if err != nil {
				return nil, fmt.Errorf("%q is not an address or CIDR", part)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("%q is not an address or CIDR", part)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func trusted(a netip.Addr, proxies []netip.Prefix) bool {
	for _, p := range proxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ClientAddr is the address of the client behind trusted proxies: the connection's peer
// unless it is a trusted proxy; then the right-most X-Forwarded-For entry that is not a
// trusted proxy (entries to its left were written by the client and prove nothing). A
// malformed entry ends the walk at the last trusted hop.
func ClientAddr(peer netip.Addr, forwardedFor []string, proxies []netip.Prefix) netip.Addr {
	peer = peer.Unmap()
	if !trusted(peer, proxies) {
		return peer
	}
	var hops []string
	for _, h := range forwardedFor {
		hops = append(hops, strings.Split(h, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := parseHop(hops[i])
		if err != nil {
			return client
		}
		client = a
		if !trusted(a, proxies) {
			return a
		}
	}
	return client
}

// parseHop reads one X-Forwarded-For entry: an address, maybe with a port or brackets.
func parseHop(s string) (netip.Addr, error) {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), nil
	}
	a, err := netip.ParseAddr(strings.Trim(s, "[]"))
	return a.Unmap(), err
}

// resolveClient replaces the connection's peer by the client address, so c.IP() is the
// real client everywhere (login throttling, sessions, the access log).
func resolveClient(proxies []netip.Prefix) fiber.Handler {
	return func(c *fiber.Ctx) error {
		tcp, ok := c.Context().RemoteAddr().(*net.TCPAddr)
		if !ok {
			return c.Next()
		}
		peer, ok := netip.AddrFromSlice(tcp.IP)
		if !ok {
			return c.Next()
		}
		var xff []string
		c.Request().Header.VisitAll(func(k, v []byte) {
			if bytes.EqualFold(k, []byte(fiber.HeaderXForwardedFor)) {
				xff = append(xff, string(v))
			}
		})
		client := ClientAddr(peer, xff, proxies)
		if client != peer.Unmap() {
			// The address belongs to the connection: put it back for its next request.
			orig := c.Context().RemoteAddr()
			c.Context().SetRemoteAddr(&net.TCPAddr{IP: client.AsSlice()})
			defer c.Context().SetRemoteAddr(orig)
		}
		return c.Next()
	}
}

// Body limits. fasthttp reads a request's body before any handler runs, so the limit
// is chosen from the headers alone (bodyLimitFor): a declared length over the limit is
// refused with 413 before a byte of the body is read, and a chunked body is cut off at
// the limit. Only signed-in staff may send large multipart uploads; fasthttp streams
// their file parts over 16 MB to a temporary file.
const (
	// AnonymousBodyLimit is the most anyone not signed in may send (a login, a form).
	AnonymousBodyLimit = 64 << 10
	// SignedInBodyLimit is the most a signed-in user may send outside staff uploads.
	SignedInBodyLimit = 1 << 20
)

// bodyLimitFor picks the body limit from the request's headers. Small bodies cost
// nothing; only a larger one is worth the session lookup.
func (s *Server) bodyLimitFor(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	n := h.ContentLength()
	if n >= 0 && n <= AnonymousBodyLimit {
		return fasthttp.RequestConfig{}
	}
	token := string(h.Cookie(SessionCookie))
	if token == "" {
		return fasthttp.RequestConfig{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	me, err := s.Sessions.Lookup(ctx, token)
	if err != nil || me == nil {
		return fasthttp.RequestConfig{}
	}
	multipart := bytes.HasPrefix(h.ContentType(), []byte(fiber.MIMEMultipartForm))
	if me.Role != RoleSecretary && multipart {
		return fasthttp.RequestConfig{MaxRequestBodySize: s.uploadLimit}
	}
	if multipart && (bytes.Equal(h.Method(), []byte("POST")) || bytes.Equal(h.Method(), []byte("PUT"))) {
		path := h.RequestURI()
		if i := bytes.IndexByte(path, '?'); i >= 0 {
			path = path[:i]
		}
		for _, u := range s.secretaryUploads {
			if u.path.Match(path) {
				return fasthttp.RequestConfig{MaxRequestBodySize: u.limit}
			}
		}
	}
	return fasthttp.RequestConfig{MaxRequestBodySize: SignedInBodyLimit}
}

type secretaryUpload struct {
	path  *regexp.Regexp
	limit int
}

// AllowSecretaryUpload lets signed-in secretaries send multipart bodies up to limit bytes
// (POST or PUT) to the paths path matches (the whole path, no query) — a feature's one
// upload a secretary makes, such as a study tour's report PDF. Everywhere else their
// bodies stay within SignedInBodyLimit. Call it from Mount, before serving.
func (s *Server) AllowSecretaryUpload(path *regexp.Regexp, limit int) {
	s.secretaryUploads = append(s.secretaryUploads, secretaryUpload{path: path, limit: limit})
}
