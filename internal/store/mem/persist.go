package mem

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/govchat/govchat/internal/store"
)

// Files in the store directory.
const (
	snapName = "index.snap"
	walName  = "index.wal"
	lockName = "LOCK"
	tmpExt   = ".tmp"
)

const (
	snapMagic     = "GCMEMSN1"
	walMagic      = "GCMEMWL1"
	walHeaderSize = 16 // magic + generation
	maxFrame      = 1 << 30
)

// ErrCorrupt is returned (wrapped) by Open when the snapshot, or a record
// in the middle of the operation log, is damaged (a disk fault: crashes cannot
// cause it; a crash only tears the log's last record, which is cut off). The
// index is derived data: move the directory aside and rebuild it
// (Rebuildable does).
var ErrCorrupt = errors.New("mem: the index is corrupt")

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

func (s *Store) openDir() error {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return fmt.Errorf("mem: open %s: %w", s.dir, err)
	}
	lock, err := lockDir(filepath.Join(s.dir, lockName))
	if err != nil {
		return fmt.Errorf("mem: open %s: %w", s.dir, err)
	}
	s.lock = lock
	fail := func(err error) error {
		lock.release()
		return err
	}
	// A temporary file is what a crash during a snapshot leaves: the
	// previous snapshot and log are intact, so it is simply discarded.
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return fail(fmt.Errorf("mem: open %s: %w", s.dir, err))
	}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), tmpExt) {
			s.log.Warn("mem: removing temporary file left by an interrupted write", slog.String("file", e.Name()))
			os.Remove(filepath.Join(s.dir, e.Name()))
		}
	}
	if err := s.loadSnapshot(); err != nil {
		return fail(err)
	}
	if err := s.openWAL(); err != nil {
		return fail(err)
	}
	return nil
}

// loadSnapshot reads index.snap if it exists.
func (s *Store) loadSnapshot() error {
	path := filepath.Join(s.dir, snapName)
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("mem: read %s: %w", path, err)
	}
	s.snapSz = int64(len(data))
	if len(data) < len(snapMagic)+4 || string(data[:len(snapMagic)]) != snapMagic {
		return fmt.Errorf("%w: %s: not a snapshot", ErrCorrupt, path)
	}
	body, sum := data[:len(data)-4], binary.LittleEndian.Uint32(data[len(data)-4:])
	if crc32.Checksum(body, castagnoli) != sum {
		return fmt.Errorf("%w: %s: checksum mismatch", ErrCorrupt, path)
	}
	if err := s.decodeSnapshot(body[len(snapMagic):]); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	return nil
}

func (s *Store) encodeSnapshot() []byte {
	e := enc{b: make([]byte, 0, 1<<20)}
	e.b = append(e.b, snapMagic...)
	e.u64(s.gen)
	if s.schema != nil {
		e.byte(1)
		e.str(s.schema.Name)
		e.uvarint(uint64(s.schema.DenseSize))
	} else {
		e.byte(0)
	}
	e.uvarint(uint64(len(s.points)))
	for _, p := range s.points {
		e.str(p.id)
		e.uvarint(uint64(p.nsparse))
		e.dense(p.dense)
		e.payload(p.payload)
	}
	keys := make([]uint32, 0, len(s.post))
	for k := range s.post {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	e.uvarint(uint64(len(keys)))
	for _, k := range keys {
		pl := s.lists[s.post[k]]
		e.uvarint(uint64(k))
		e.uvarint(uint64(len(pl)))
		prev := int32(0)
		for _, en := range pl {
			e.uvarint(uint64(en.slot - prev))
			prev = en.slot
		}
		for _, en := range pl {
			e.u32(math.Float32bits(en.val))
		}
	}
	e.u32(crc32.Checksum(e.b, castagnoli))
	return e.b
}

func (s *Store) decodeSnapshot(body []byte) error {
	d := dec{b: body}
	s.gen = d.u64()
	if d.byte() == 1 {
		sc := store.Schema{Name: d.str(), DenseSize: int(d.uvarint())}
		s.schema = &sc
	}
	n := d.count(3)
	s.points = make([]*point, 0, n)
	for i := 0; i < n && d.err == nil; i++ {
		p := &point{id: d.str(), nsparse: int(d.uvarint())}
		p.dense = d.dense()
		p.payload = d.payload(0)
		if _, dup := s.byID[p.id]; dup {
			return fmt.Errorf("duplicate point %q", p.id)
		}
		s.byID[p.id] = int32(len(s.points))
		s.points = append(s.points, p)
		if p.nsparse > 0 {
			s.nSparse++
		}
	}
	m := d.count(2)
	s.post = make(map[uint32]int32, m)
	s.lists = make([][]entry, 0, m)
	for i := 0; i < m && d.err == nil; i++ {
		k := d.uvarint()
		c := d.count(5)
		pl := make([]entry, c)
		prev := uint64(0)
		for j := 0; j < c; j++ {
			prev += d.uvarint()
			if prev >= uint64(len(s.points)) {
				d.fail()
				break
			}
			pl[j].slot = int32(prev)
		}
		if d.err == nil {
			for j, v := range d.f32s(c) {
				pl[j].val = v
			}
		}
		if k > 0xFFFFFFFF {
			d.fail()
		}
		if _, dup := s.post[uint32(k)]; dup {
			return fmt.Errorf("duplicate sparse index %d", k)
		}
		s.post[uint32(k)] = int32(len(s.lists))
		s.lists = append(s.lists, pl)
	}
	if d.err == nil && len(d.b) != 0 {
		return errors.New("trailing data")
	}
	return d.err
}

// snapshot writes the whole state to a new snapshot and starts a new, empty
// log. The caller holds the write lock.
func (s *Store) snapshot() error {
	s.compactSlots()
	s.gen++
	data := s.encodeSnapshot()
	if err := writeFileAtomic(s.dir, snapName, data); err != nil {
		s.gen--
		return fmt.Errorf("mem: snapshot: %w", err)
	}
	s.snapSz = int64(len(data))
	// The new snapshot holds everything; a log with the old generation is
	// now ignored on open, so replacing it is safe at any point.
	if s.wal != nil {
		s.wal.close()
		s.wal = nil
	}
	w, err := createWAL(s.dir, s.gen)
	if err != nil {
		return fmt.Errorf("mem: snapshot: %w", err)
	}
	s.wal = w
	return nil
}

// maybeCompact snapshots when the log has grown past the snapshot.
func (s *Store) maybeCompact() error {
	if s.wal == nil || s.wal.size < max(2*s.snapSz, 16<<20) {
		return nil
	}
	return s.snapshot()
}

// writeFileAtomic writes data to name in dir through a temporary file:
// write, fsync, rename, fsync the directory.
func writeFileAtomic(dir, name string, data []byte) error {
	tmp := filepath.Join(dir, name+tmpExt)
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(tmp)
		return err
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDir(dir)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// frameAt returns the body of the frame at the start of b when it is whole
// and its checksum matches.
func frameAt(b []byte) ([]byte, bool) {
	if len(b) < 8 {
		return nil, false
	}
	n := binary.LittleEndian.Uint32(b)
	if n > maxFrame || int64(n) > int64(len(b)-8) {
		return nil, false
	}
	body := b[8 : 8+n]
	if n == 0 || crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[4:]) {
		return nil, false
	}
	return body, true
}

// tornTail reports whether b, which does not start with a good frame, is
// what a crash in the middle of the last append leaves: that frame cut short
// or not yet all on disk, with nothing after it. The log is fsynced after
// every append, so only the last frame can be torn; a damaged frame with a
// good one somewhere after it is corruption.
func tornTail(b []byte) bool {
	if len(b) >= 8 {
		n := int64(binary.LittleEndian.Uint32(b))
		if n <= maxFrame && n <= int64(len(b)-8) && !allZero(b[8+n:]) {
			return false // a whole frame, damaged, with more after it
		}
	}
	// Whatever the length field says (it may be the damaged part), a good
	// frame further on shows that this one was not the last.
	budget := 64 << 20 // bytes checksummed in the search
	for i := 1; i+8 <= len(b) && budget > 0; i++ {
		n := int(binary.LittleEndian.Uint32(b[i:]))
		if n == 0 || n > len(b)-i-8 {
			continue
		}
		budget -= n
		if _, ok := frameAt(b[i:]); ok {
			return false
		}
	}
	return true
}

func allZero(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// wal is the append-only operation log: a header (magic, generation) and
// frames of [length u32][crc32c u32][body].
type wal struct {
	f      *os.File
	size   int64
	broken error
}

func createWAL(dir string, gen uint64) (*wal, error) {
	hdr := make([]byte, 0, walHeaderSize)
	hdr = append(hdr, walMagic...)
	hdr = binary.LittleEndian.AppendUint64(hdr, gen)
	if err := writeFileAtomic(dir, walName, hdr); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, walName), os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekEnd); err != nil {
		f.Close()
		return nil, err
	}
	return &wal{f: f, size: walHeaderSize}, nil
}

// openWAL replays the log that belongs to the loaded snapshot and opens it
// for appending; a torn tail (a crash in the middle of an append) is cut off.
func (s *Store) openWAL() error {
	path := filepath.Join(s.dir, walName)
	data, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("mem: read %s: %w", path, err)
	}
	if len(data) < walHeaderSize || string(data[:len(walMagic)]) != walMagic ||
		binary.LittleEndian.Uint64(data[len(walMagic):walHeaderSize]) != s.gen {
		if len(data) > walHeaderSize {
			s.log.Info("mem: ignoring an operation log already folded into the snapshot", slog.String("file", path))
		}
		w, err := createWAL(s.dir, s.gen)
		if err != nil {
			return fmt.Errorf("mem: create %s: %w", path, err)
		}
		s.wal = w
		return nil
	}
	good := walHeaderSize
	rest := data[walHeaderSize:]
	for len(rest) > 0 {
		body, ok := frameAt(rest)
		if !ok {
			if !tornTail(rest) {
				return fmt.Errorf("%w: %s: the record at byte %d is damaged and more records follow it (a disk fault, not a crash)", ErrCorrupt, path, good)
			}
			break
		}
		if err := s.replay(body); err != nil {
			return fmt.Errorf("%w: %s: the record at byte %d cannot be applied: %v", ErrCorrupt, path, good, err)
		}
		good += 8 + len(body)
		rest = rest[8+len(body):]
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0o644)
	if err != nil {
		return fmt.Errorf("mem: open %s: %w", path, err)
	}
	if good < len(data) {
		s.log.Warn("mem: discarding a torn record at the end of the operation log", slog.String("file", path), slog.Int("bytes", len(data)-good))
		if err := f.Truncate(int64(good)); err != nil {
			f.Close()
			return fmt.Errorf("mem: truncate %s: %w", path, err)
		}
		if err := f.Sync(); err != nil {
			f.Close()
			return fmt.Errorf("mem: sync %s: %w", path, err)
		}
	}
	if _, err := f.Seek(int64(good), io.SeekStart); err != nil {
		f.Close()
		return fmt.Errorf("mem: seek %s: %w", path, err)
	}
	s.wal = &wal{f: f, size: int64(good)}
	return nil
}

// append writes one frame and fsyncs. After a failed write the log is cut
// back to its last good length; if even that fails the log refuses further
// writes (the store reports errors rather than lose operations silently).
func (w *wal) append(body []byte) error {
	if w.broken != nil {
		return w.broken
	}
	frame := make([]byte, 8, 8+len(body))
	binary.LittleEndian.PutUint32(frame, uint32(len(body)))
	binary.LittleEndian.PutUint32(frame[4:], crc32.Checksum(body, castagnoli))
	frame = append(frame, body...)
	_, err := w.f.Write(frame)
	if err == nil {
		err = w.f.Sync()
	}
	if err != nil {
		if terr := w.f.Truncate(w.size); terr != nil {
			w.broken = fmt.Errorf("mem: operation log unusable after a failed write: %w", err)
		} else if _, serr := w.f.Seek(w.size, io.SeekStart); serr != nil {
			w.broken = fmt.Errorf("mem: operation log unusable after a failed write: %w", err)
		}
		return fmt.Errorf("mem: write operation log: %w", err)
	}
	w.size += int64(len(frame))
	return nil
}

func (w *wal) close() error { return w.f.Close() }

// logOp makes an operation durable before it is applied.
func (s *Store) logOp(body []byte) error {
	if s.dir == "" {
		return nil
	}
	if len(body) > maxFrame {
		return fmt.Errorf("mem: operation of %d bytes is too large; send fewer points per call", len(body))
	}
	return s.wal.append(body)
}
