package sealbox

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestSealOpen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "contact.key")
	b, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", st.Mode(), err)
	}
	sealed, err := b.Seal([]byte("13957246813"), "row 1")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("13957246813")) {
		t.Fatal("sealed value holds the plain text")
	}
	// The same key file opens it again; another context or key does not.
	b2, err := LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := b2.Open(sealed, "row 1"); err != nil || string(got) != "13957246813" {
		t.Fatalf("open = %q, %v", got, err)
	}
	if _, err := b2.Open(sealed, "row 2"); !errors.Is(err, ErrOpen) {
		t.Errorf("opened with another context: %v", err)
	}
	other, _ := LoadOrCreate(filepath.Join(t.TempDir(), "other.key"))
	if _, err := other.Open(sealed, "row 1"); !errors.Is(err, ErrOpen) {
		t.Errorf("opened with another key: %v", err)
	}
	if _, err := b.Open(sealed[:5], "row 1"); !errors.Is(err, ErrOpen) {
		t.Errorf("opened a truncated value: %v", err)
	}
	os.WriteFile(path, []byte("not base64!"), 0o600)
	if _, err := LoadOrCreate(path); err == nil {
		t.Error("a damaged key file was accepted")
	}
}
