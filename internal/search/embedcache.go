package search

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sync"
)

// embedCache keeps embeddings by a hash of (model, text), so that
// re-indexing a chunk whose text did not change (a new dictionary, a new
// ranking parameter, a metadata edit) does not call the embedder again.
// It is persisted to a file when a path is given.
type embedCache struct {
	mu     sync.Mutex
	path   string
	model  string
	vecs   map[[16]byte][]float32
	d      int
	dirty  bool
	loaded int
}

const embedCacheMagic = "GCEMBC1\n"

func openEmbedCache(path, model string) (*embedCache, error) {
	c := &embedCache{path: path, model: model, vecs: map[[16]byte][]float32{}}
	if path == "" {
		return c, nil
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return nil, fmt.Errorf("search: embedding cache: %w", err)
	}
	defer f.Close()
	if err := c.read(bufio.NewReader(f)); err != nil {
		// The cache is only an optimisation: start over rather than fail.
		c.vecs = map[[16]byte][]float32{}
		c.d = 0
	}
	c.loaded = len(c.vecs)
	return c, nil
}

func (c *embedCache) key(text string) [16]byte {
	h := sha256.New()
	h.Write([]byte(c.model))
	h.Write([]byte{0})
	h.Write([]byte(text))
	var k [16]byte
	copy(k[:], h.Sum(nil))
	return k
}

func (c *embedCache) get(text string) ([]float32, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.vecs[c.key(text)]
	return v, ok
}

func (c *embedCache) put(text string, v []float32) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(v) == 0 {
		return errors.New("empty vector")
	}
	if c.d != 0 && len(v) != c.d {
		// The model's dimension changed: the old vectors are useless.
		c.vecs = map[[16]byte][]float32{}
	}
	c.d = len(v)
	c.vecs[c.key(text)] = v
	c.dirty = true
	return nil
}

func (c *embedCache) dim() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.d
}

// save writes the cache atomically (temporary file, fsync, rename).
func (c *embedCache) save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.path == "" || !c.dirty {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(c.path), 0o755); err != nil {
		return err
	}
	tmp := c.path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	w.WriteString(embedCacheMagic)
	binary.Write(w, binary.LittleEndian, uint32(c.d))
	binary.Write(w, binary.LittleEndian, uint32(len(c.vecs)))
	buf := make([]byte, 4*c.d)
	for k, v := range c.vecs {
		w.Write(k[:])
		for i, x := range v {
			binary.LittleEndian.PutUint32(buf[i*4:], math.Float32bits(x))
		}
		w.Write(buf)
	}
	err = w.Flush()
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, c.path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	c.dirty = false
	return nil
}

func (c *embedCache) read(r io.Reader) error {
	magic := make([]byte, len(embedCacheMagic))
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != embedCacheMagic {
		return errors.New("not an embedding cache")
	}
	var d, n uint32
	if err := binary.Read(r, binary.LittleEndian, &d); err != nil {
		return err
	}
	if err := binary.Read(r, binary.LittleEndian, &n); err != nil {
		return err
	}
	if d == 0 || d > 1<<16 {
		return errors.New("bad dimension")
	}
	buf := make([]byte, 4*d)
	for i := uint32(0); i < n; i++ {
		var k [16]byte
		if _, err := io.ReadFull(r, k[:]); err != nil {
			return err
		}
		if _, err := io.ReadFull(r, buf); err != nil {
			return err
		}
		v := make([]float32, d)
		for j := range v {
			v[j] = math.Float32frombits(binary.LittleEndian.Uint32(buf[j*4:]))
		}
		c.vecs[k] = v
	}
	c.d = int(d)
	return nil
}
