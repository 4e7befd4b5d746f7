package sqldb

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// Copy copies every row of table from src (SQLite) into the same table of
// the PostgreSQL transaction dst, column by column as dst names them, and
// returns how many rows it copied. SQLite's integers become PostgreSQL's
// booleans where dst's column is one; SQLite's implicit rowid fills a
// column named rowid. The table in dst must be empty.
func Copy(ctx context.Context, src *DB, dst *Tx, table string) (int64, error) {
	if src.dialect != SQLite || dst.d.dialect != Postgres {
		return 0, errors.New("sqldb: copy goes from SQLite to PostgreSQL")
	}
	var have int64
	if err := dst.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quote(table)).Scan(&have); err != nil {
		return 0, fmt.Errorf("%s: %w", table, err)
	}
	if have > 0 {
		return 0, fmt.Errorf("%s already holds %d rows in PostgreSQL: copy into an empty database", table, have)
	}
	cols, err := dst.columns(ctx, table)
	if err != nil {
		return 0, err
	}
	names := make([]string, len(cols))
	for i, c := range cols {
		names[i] = quote(c.name)
	}
	rows, err := src.QueryContext(ctx, `SELECT `+strings.Join(names, ", ")+` FROM `+quote(table))
	if err != nil {
		return 0, fmt.Errorf("%s: read from SQLite: %w", table, err)
	}
	defer rows.Close()
	const batch = 200
	insert := func(vals []any, n int) error {
		var b strings.Builder
		b.WriteString(`INSERT INTO ` + quote(table) + ` (` + strings.Join(names, ", ") + `) VALUES `)
		for r := range n {
			if r > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(")
			for c := range cols {
				if c > 0 {
					b.WriteString(", ")
				}
				b.WriteString("?")
			}
			b.WriteString(")")
		}
		_, err := dst.ExecContext(ctx, b.String(), vals...)
		return err
	}
	var copied int64
	vals := make([]any, 0, batch*len(cols))
	n := 0
	for rows.Next() {
		row := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range row {
			ptrs[i] = &row[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return copied, fmt.Errorf("%s: read from SQLite: %w", table, err)
		}
		for i, c := range cols {
			row[i] = convert(row[i], c.typ)
		}
		vals = append(vals, row...)
		n++
		if n == batch {
			if err := insert(vals, n); err != nil {
				return copied, fmt.Errorf("%s: write to PostgreSQL: %w", table, err)
			}
			copied += int64(n)
			vals, n = vals[:0], 0
		}
	}
	if err := rows.Err(); err != nil {
		return copied, fmt.Errorf("%s: read from SQLite: %w", table, err)
	}
	if n > 0 {
		if err := insert(vals, n); err != nil {
			return copied, fmt.Errorf("%s: write to PostgreSQL: %w", table, err)
		}
		copied += int64(n)
	}
	if err := dst.resetIdentity(ctx, table, cols); err != nil {
		return copied, err
	}
	return copied, nil
}

// Count is the number of rows of table.
func Count(ctx context.Context, q interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *Row
}, table string) (int64, error) {
	var n int64
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+quote(table)).Scan(&n)
	return n, err
}

type column struct {
	name, typ string
	identity  bool
}

// columns lists a PostgreSQL table's columns in order.
func (t *Tx) columns(ctx context.Context, table string) ([]column, error) {
	rows, err := t.QueryContext(ctx, `SELECT column_name, data_type, is_identity FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position`, table)
	if err != nil {
		return nil, fmt.Errorf("%s: columns: %w", table, err)
	}
	defer rows.Close()
	var out []column
	for rows.Next() {
		var c column
		var ident string
		if err := rows.Scan(&c.name, &c.typ, &ident); err != nil {
			return nil, fmt.Errorf("%s: columns: %w", table, err)
		}
		c.identity = ident == "YES"
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: no such table in PostgreSQL (migrate it first)", table)
	}
	return out, rows.Err()
}

// resetIdentity moves the table's identity sequences past the copied ids,
// so that new rows do not collide with them.
func (t *Tx) resetIdentity(ctx context.Context, table string, cols []column) error {
	for _, c := range cols {
		if !c.identity {
			continue
		}
		q := fmt.Sprintf(`SELECT setval(pg_get_serial_sequence('%s', '%s'), COALESCE(MAX(%s), 0) + 1, false) FROM %s`,
			strings.ReplaceAll(quote(table), "'", "''"), c.name, quote(c.name), quote(table))
		if _, err := t.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("%s: identity of %s: %w", table, c.name, err)
		}
	}
	return nil
}

// convert turns a value SQLite returned into what PostgreSQL's column of
// type typ takes.
func convert(v any, typ string) any {
	switch typ {
	case "boolean":
		switch x := v.(type) {
		case int64:
			return x != 0
		case float64:
			return x != 0
		}
	case "text":
		if b, ok := v.([]byte); ok {
			return string(b)
		}
	}
	return v
}

func quote(ident string) string { return `"` + strings.ReplaceAll(ident, `"`, `""`) + `"` }
