package server

import (
	"crypto/sha256"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

// asset is an embedded file with its validator.
type asset struct {
	body  []byte
	ctype string
	etag  string
	cache string
}

func loadAsset(fsys fs.FS, name string) (asset, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return asset{}, err
	}
	sum := sha256.Sum256(b)
	ctype := mime.TypeByExtension(path.Ext(name))
	switch path.Ext(name) {
	case ".js":
		ctype = "text/javascript; charset=utf-8"
	case ".css":
		ctype = "text/css; charset=utf-8"
	case ".html":
		ctype = "text/html; charset=utf-8"
	}
	cache := "public, max-age=300"
	if strings.HasSuffix(name, ".html") {
		cache = "no-cache"
	}
	return asset{body: b, ctype: ctype, etag: `"` + hex.EncodeToString(sum[:8]) + `"`, cache: cache}, nil
}

func (s *Server) asset(name string) http.HandlerFunc {
	a := s.assets[name]
	return func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Type", a.ctype)
		h.Set("ETag", a.etag)
		h.Set("Cache-Control", a.cache)
		if strings.HasSuffix(name, ".js") || strings.HasSuffix(name, ".css") {
			// The widget is loaded by other (government) sites.
			h.Set("Cross-Origin-Resource-Policy", "cross-origin")
		}
		if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, a.etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write(a.body)
	}
}
