package database

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// A database that is down or frozen must make zhibu fail loud and fast, never hang.
//
// lib/pq alone does not get there: on a cancelled context it sends PostgreSQL a cancel
// request and keeps waiting on the socket, so a frozen server (or a network that drops
// packets) holds every request, and /readyz, for as long as it is frozen. Here:
//
//   - the server aborts any statement after StatementTimeout (a run-time parameter);
//   - every connection is dialled through deadlineConn, which bounds each read and write
//     by IOTimeout: a server that stays silent longer is treated as gone;
//   - guardConn interrupts a connection's socket the moment the caller's context ends
//     (the request's deadline, set by app/web/server.go), so the caller gets its answer
//     at once and the connection is discarded rather than reused;
//   - opening a connection is bounded by ConnectTimeout and by the caller's context.
//
// IsUnavailable tells the errors that all of this produces, which app/web/errors.go
// answers as 503 db_unavailable.

// Options tune a pool. The zero value of a duration means: no bound of that kind,
// except ConnectTimeout, which defaults to DefaultConnectTimeout.
type Options struct {
	MaxConns         int
	StatementTimeout time.Duration // server side, per statement
	ConnectTimeout   time.Duration // dial plus start-up
	IOTimeout        time.Duration // longest silence on a connection; default StatementTimeout + 1s
}

// DefaultConnectTimeout bounds opening one connection when Options leaves it zero.
const DefaultConnectTimeout = 5 * time.Second

// OpenOptions connects to PostgreSQL with the fail-fast guards and checks that it answers.
func OpenOptions(ctx context.Context, dsn string, o Options) (*sqlx.DB, error) {
	if o.MaxConns <= 0 {
		o.MaxConns = 20
	}
	if o.ConnectTimeout <= 0 {
		o.ConnectTimeout = DefaultConnectTimeout
	}
	if o.IOTimeout <= 0 && o.StatementTimeout > 0 {
		o.IOTimeout = o.StatementTimeout + time.Second
	}
	dsn, err := withRuntimeParams(dsn, o)
	if err != nil {
		return nil, err
	}
	pc, err := pq.NewConnector(dsn)
	if err != nil {
		return nil, err
	}
	pc.Dialer(&guardDialer{io: o.IOTimeout})
	db := sqlx.NewDb(sql.OpenDB(&guardConnector{pq: pc, connectTimeout: o.ConnectTimeout}), "postgres")
	db.SetMaxOpenConns(o.MaxConns)
	db.SetMaxIdleConns(o.MaxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, errors.Join(errors.New("connect to PostgreSQL"), err)
	}
	return db, nil
}

// withRuntimeParams adds statement_timeout to the connection string unless it names one.
func withRuntimeParams(dsn string, o Options) (string, error) {
	if o.StatementTimeout <= 0 {
		return dsn, nil
	}
	ms := strconv.FormatInt(o.StatementTimeout.Milliseconds(), 10)
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", errors.New("DATABASE_URL is not a valid URL")
		}
		q := u.Query()
		if q.Get("statement_timeout") == "" {
			q.Set("statement_timeout", ms)
		}
		u.RawQuery = q.Encode()
		return u.String(), nil
	}
	if strings.Contains(dsn, "statement_timeout=") {
		return dsn, nil
	}
	return dsn + " statement_timeout=" + ms, nil
}

// IsUnavailable tells whether err means the database could not be reached or did not
// answer in time (as opposed to a query that PostgreSQL refused).
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		switch {
		case strings.HasPrefix(string(pqErr.Code), "08"): // connection exception
			return true
		case pqErr.Code == "57014", // query_canceled: statement_timeout or a cancel request
			pqErr.Code == "57P01", pqErr.Code == "57P02", pqErr.Code == "57P03", // shutdown, cannot connect now
			pqErr.Code == "53300": // too_many_connections
			return true
		}
		return false
	}
	var netErr net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, os.ErrDeadlineExceeded) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, errInterrupted) ||
		errors.As(err, &netErr)
}

var errInterrupted = errors.New("database connection interrupted: the request's time ran out")

// guardDialer dials TCP (or a Unix socket) and wraps the connection in deadlineConn.
// It records the connection in the dialling context's connSlot, so guardConnector can
// interrupt it.
type guardDialer struct {
	io time.Duration
	d  net.Dialer
}

type slotKey struct{}

// connSlot hands the dialled socket from guardDialer to guardConnector.
type connSlot struct {
	mu     sync.Mutex
	conn   *deadlineConn
	killed bool
}

func (s *connSlot) set(c *deadlineConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.conn = c
	if s.killed {
		c.interrupt()
	}
}

func (s *connSlot) interrupt() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.killed = true
	if s.conn != nil {
		s.conn.interrupt()
	}
}

func (g *guardDialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	nc, err := g.d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	dc := &deadlineConn{Conn: nc, io: g.io}
	if slot, ok := ctx.Value(slotKey{}).(*connSlot); ok {
		slot.set(dc)
	}
	return dc, nil
}

func (g *guardDialer) Dial(network, addr string) (net.Conn, error) {
	return g.DialContext(context.Background(), network, addr)
}

func (g *guardDialer) DialTimeout(network, addr string, timeout time.Duration) (net.Conn, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	return g.DialContext(ctx, network, addr)
}

// deadlineConn bounds every read and write by io and can be interrupted from another
// goroutine: interrupt sets a deadline in the past, which wakes a blocked read at once.
type deadlineConn struct {
	net.Conn
	io time.Duration

	mu     sync.Mutex
	killed bool
}

func (c *deadlineConn) interrupt() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.killed = true
	c.Conn.SetDeadline(time.Unix(1, 0))
}

func (c *deadlineConn) isKilled() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.killed
}

// arm sets the next operation's deadline; under mu, so it cannot undo an interrupt.
func (c *deadlineConn) arm(set func(time.Time) error) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.killed {
		return errInterrupted
	}
	if c.io > 0 {
		return set(time.Now().Add(c.io))
	}
	return nil
}

func (c *deadlineConn) Read(p []byte) (int, error) {
	if err := c.arm(c.Conn.SetReadDeadline); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

func (c *deadlineConn) Write(p []byte) (int, error) {
	if err := c.arm(c.Conn.SetWriteDeadline); err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}

// lib/pq sets its own deadlines for connect_timeout; ours are armed per operation.
func (c *deadlineConn) SetDeadline(t time.Time) error {
	if c.isKilled() {
		return nil
	}
	return c.Conn.SetDeadline(t)
}

// guardConnector opens lib/pq connections bounded by the connect timeout and by the
// caller's context, and wraps them in guardConn.
type guardConnector struct {
	pq             *pq.Connector
	connectTimeout time.Duration
}

func (g *guardConnector) Driver() driver.Driver { return g.pq.Driver() }

func (g *guardConnector) Connect(ctx context.Context) (driver.Conn, error) {
	slot := &connSlot{}
	ctx, cancel := context.WithTimeout(context.WithValue(ctx, slotKey{}, slot), g.connectTimeout)
	defer cancel()
	stop := context.AfterFunc(ctx, slot.interrupt)
	dc, err := g.pq.Connect(ctx)
	if err != nil {
		stop()
		return nil, err // dc may be a typed nil here: never touch it
	}
	if !stop() { // the context ended just as the connection was made
		dc.Close()
		return nil, errInterrupted
	}
	slot.mu.Lock()
	nc := slot.conn
	slot.mu.Unlock()
	return &guardConn{Conn: dc, nc: nc}, nil
}

// The interfaces lib/pq's connection implements, all passed through guardConn.
type pqConn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
	driver.Pinger
	driver.SessionResetter
	driver.Validator
	driver.NamedValueChecker
}

// guardConn interrupts its socket when the context of the call in progress ends. A
// call's watch is stopped when the call (or its rows, or its transaction) is done, so
// a context that ends later never touches a connection back in the pool.
type guardConn struct {
	driver.Conn
	nc *deadlineConn
}

func (c *guardConn) pq() pqConn { return c.Conn.(pqConn) }

// watch interrupts the socket when ctx ends; the returned func stops watching.
func (c *guardConn) watch(ctx context.Context) func() {
	if c.nc == nil || ctx.Done() == nil {
		return func() {}
	}
	stop := context.AfterFunc(ctx, c.nc.interrupt)
	return func() { stop() }
}

func (c *guardConn) ExecContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Result, error) {
	defer c.watch(ctx)()
	return c.pq().ExecContext(ctx, q, args)
}

func (c *guardConn) QueryContext(ctx context.Context, q string, args []driver.NamedValue) (driver.Rows, error) {
	stop := c.watch(ctx)
	rows, err := c.pq().QueryContext(ctx, q, args)
	if err != nil {
		stop()
		return nil, err
	}
	return &guardRows{pqRows: rows.(pqRows), stop: stop}, nil
}

func (c *guardConn) PrepareContext(ctx context.Context, q string) (driver.Stmt, error) {
	defer c.watch(ctx)()
	st, err := c.pq().PrepareContext(ctx, q)
	if err != nil {
		return nil, err
	}
	return &guardStmt{Stmt: st, c: c}, nil
}

func (c *guardConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	stop := c.watch(ctx)
	tx, err := c.pq().BeginTx(ctx, opts)
	if err != nil {
		stop()
		return nil, err
	}
	return &guardTx{Tx: tx, stop: stop}, nil
}

func (c *guardConn) Ping(ctx context.Context) error {
	defer c.watch(ctx)()
	return c.pq().Ping(ctx)
}

func (c *guardConn) ResetSession(ctx context.Context) error {
	if c.nc != nil && c.nc.isKilled() {
		return driver.ErrBadConn
	}
	return c.pq().ResetSession(ctx)
}

func (c *guardConn) IsValid() bool {
	return (c.nc == nil || !c.nc.isKilled()) && c.pq().IsValid()
}

func (c *guardConn) CheckNamedValue(nv *driver.NamedValue) error { return c.pq().CheckNamedValue(nv) }

type guardTx struct {
	driver.Tx
	stop func()
}

func (t *guardTx) Commit() error   { defer t.stop(); return t.Tx.Commit() }
func (t *guardTx) Rollback() error { defer t.stop(); return t.Tx.Rollback() }

type guardStmt struct {
	driver.Stmt
	c *guardConn
}

func (s *guardStmt) ExecContext(ctx context.Context, args []driver.NamedValue) (driver.Result, error) {
	defer s.c.watch(ctx)()
	return s.Stmt.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (s *guardStmt) QueryContext(ctx context.Context, args []driver.NamedValue) (driver.Rows, error) {
	stop := s.c.watch(ctx)
	rows, err := s.Stmt.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		stop()
		return nil, err
	}
	return &guardRows{pqRows: rows.(pqRows), stop: stop}, nil
}

// pqRows is what lib/pq's rows implement and database/sql asks for.
type pqRows interface {
	driver.Rows
	driver.RowsNextResultSet
	driver.RowsColumnTypeDatabaseTypeName
	driver.RowsColumnTypeLength
	driver.RowsColumnTypePrecisionScale
	driver.RowsColumnTypeScanType
}

type guardRows struct {
	pqRows
	stop func()
}

func (r *guardRows) Close() error { defer r.stop(); return r.pqRows.Close() }
