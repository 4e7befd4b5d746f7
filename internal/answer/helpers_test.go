package answer

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govchat/govchat/internal/chunk"
	"github.com/govchat/govchat/internal/kb"
	"github.com/govchat/govchat/internal/knowledge"
	"github.com/govchat/govchat/internal/llm"
	"github.com/govchat/govchat/internal/safety"
	"github.com/govchat/govchat/internal/search"
	"github.com/govchat/govchat/internal/textnorm"
)

// testNow is when the tests run, whatever the date: the shipped documents
// have validity dates (one expires on 2030-12-31).
func testNow() time.Time { return time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC) }

// loadKnowledge loads the shipped knowledge base (seed document and samples).
func loadKnowledge(t testing.TB) *kb.Base {
	t.Helper()
	b, _, err := knowledge.LoadDir(filepath.Join("..", "..", "knowledge"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bigramRetriever ranks chunks by the share of the question's character
// bigrams they contain: a small, honest stand-in for the search engine.
type bigramRetriever struct {
	chunks []search.Result
	// confidence, when set, overrides the computed confidence.
	confidence float64
	mu         sync.Mutex
	queries    []string
}

func newBigramRetriever(b *kb.Base, keep func(*kb.Document) bool) *bigramRetriever {
	r := &bigramRetriever{confidence: -1}
	for _, d := range b.Docs {
		if keep != nil && !keep(d) {
			continue
		}
		for _, c := range chunk.Split(d) {
			r.chunks = append(r.chunks, search.Result{Doc: d, Chunk: c})
		}
	}
	return r
}

func (r *bigramRetriever) Search(ctx context.Context, q string, o search.Options) (*search.Response, error) {
	r.mu.Lock()
	r.queries = append(r.queries, q)
	r.mu.Unlock()
	grams := map[string]bool{}
	for _, g := range bigrams(textnorm.Key(q)) {
		grams[g] = true
	}
	var res []search.Result
	for _, c := range r.chunks {
		if !o.IncludeExpired && c.Doc.Expired(testNow()) {
			continue
		}
		text := textnorm.Key(c.Doc.Title + strings.Join(c.Doc.Similar, "") + c.Chunk.HeadingPath() + c.Chunk.Text)
		hit := 0
		for g := range grams {
			if strings.Contains(text, g) {
				hit++
			}
		}
		if hit > 0 && len(grams) > 0 {
			c.Score = float64(hit) / float64(len(grams))
			res = append(res, c)
		}
	}
	sort.SliceStable(res, func(i, j int) bool { return res[i].Score > res[j].Score })
	if o.Limit > 0 && len(res) > o.Limit {
		res = res[:o.Limit]
	}
	resp := &search.Response{Results: res}
	for g := range grams {
		resp.Terms = append(resp.Terms, g)
	}
	sort.Strings(resp.Terms)
	if len(res) > 0 {
		resp.Confidence = res[0].Score
	}
	if r.confidence >= 0 {
		resp.Confidence = r.confidence
	}
	return resp, nil
}

func (r *bigramRetriever) lastQuery() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.queries) == 0 {
		return ""
	}
	return r.queries[len(r.queries)-1]
}

// scripted returns a fixed response.
type scripted struct{ resp *search.Response }

func (s scripted) Search(context.Context, string, search.Options) (*search.Response, error) {
	return s.resp, nil
}

// chatServer speaks the OpenAI chat-completions protocol with SSE streaming.
// reply returns the chunks to stream for call n (1-based) and the received
// system and user messages; a nil slice answers HTTP 500.
type chatServer struct {
	*httptest.Server
	calls atomic.Int32
	mu    sync.Mutex
	users []string
	sys   []string
}

func newChatServer(t *testing.T, reply func(n int, system, user string) []string) *chatServer {
	s := &chatServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/chat/completions" {
			http.NotFound(w, r)
			return
		}
		n := int(s.calls.Add(1))
		var body struct {
			Messages []struct{ Role, Content string } `json:"messages"`
			Stream   bool                             `json:"stream"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || !body.Stream || len(body.Messages) != 2 {
			http.Error(w, "bad request", 400)
			return
		}
		s.mu.Lock()
		s.sys = append(s.sys, body.Messages[0].Content)
		s.users = append(s.users, body.Messages[1].Content)
		s.mu.Unlock()
		chunks := reply(n, body.Messages[0].Content, body.Messages[1].Content)
		if chunks == nil {
			w.WriteHeader(500)
			fmt.Fprint(w, `{"error":{"message":"model overloaded","type":"server_error"}}`)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		for _, c := range chunks {
			if strings.HasPrefix(c, "\x00sleep") {
				select {
				case <-time.After(300 * time.Millisecond):
				case <-r.Context().Done():
					return
				}
				continue
			}
			if c == "\x00break" {
				conn, _, _ := w.(http.Hijacker).Hijack()
				conn.Close()
				return
			}
			b, _ := json.Marshal(map[string]any{"id": "x", "object": "chat.completion.chunk", "model": "m",
				"choices": []any{map[string]any{"index": 0, "delta": map[string]any{"content": c}}}})
			fmt.Fprintf(w, "data: %s\n\n", b)
			w.(http.Flusher).Flush()
		}
		fmt.Fprint(w, "data: [DONE]\n\n")
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *chatServer) user(i int) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.users[i]
}

func newModel(t *testing.T, url string) *llm.Client {
	t.Helper()
	c, err := llm.New(llm.Config{BaseURL: url, ChatModel: "test-model", RetryBase: time.Millisecond,
		RetryMax: 2 * time.Millisecond, Timeout: 5 * time.Second, FirstTokenTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// searcher is what the fake retrievers implement: search.Retriever without
// the chunks, which withChunks adds.
type searcher interface {
	Search(ctx context.Context, q string, o search.Options) (*search.Response, error)
}

// indexed gives a fake searcher the chunks of the whole knowledge base, as
// the engine would have indexed them.
type indexed struct {
	searcher
	base *kb.Base
}

func (ix indexed) ChunksOf(id string) []kb.Chunk {
	if d := ix.base.Doc(id); d != nil {
		return chunk.Split(d)
	}
	return nil
}

// withChunks returns s when it is a whole retriever (the engine), else s
// with the chunks of b.
func withChunks(b *kb.Base, s searcher) search.Retriever {
	if r, ok := s.(search.Retriever); ok {
		return r
	}
	return indexed{s, b}
}

func newAnswerer(t *testing.T, b *kb.Base, r searcher, chat ChatModel, words ...string) *Answerer {
	t.Helper()
	f, err := safety.New(safety.Config{Words: append(append([]string{}, b.Dict.Sensitive...), words...)})
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(Config{Now: testNow}, b, withChunks(b, r), chat, f)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// ask answers q and checks that the streamed text equals Answer.Text.
func ask(t *testing.T, a *Answerer, req Request) *Answer {
	t.Helper()
	var streamed strings.Builder
	inner := req.Stream
	req.Stream = func(s string) error {
		streamed.WriteString(s)
		if inner != nil {
			return inner(s)
		}
		return nil
	}
	ans, err := a.Answer(context.Background(), req)
	if err != nil {
		t.Fatalf("Answer(%q): %v", req.Question, err)
	}
	if streamed.String() != ans.Text {
		t.Fatalf("streamed %q\n but Text is %q", streamed.String(), ans.Text)
	}
	return ans
}

// The production implementations satisfy the interfaces defined here.
var (
	_ ChatModel = (*llm.Client)(nil)
)

// beijingFAQ is a FAQ entry of a knowledge base serving 北京市.
func beijingFAQ(id, q, answer string) *kb.Document {
	return &kb.Document{ID: id, Type: kb.TypeFAQ, Title: q, Body: answer, Region: "北京市"}
}

// faqAnswerer answers from entries, with the shipped vocabulary.
func faqAnswerer(t *testing.T, entries ...*kb.Document) *Answerer {
	t.Helper()
	return newEvalAnswerer(t, kb.NewBase(entries, loadKnowledge(t).Dict))
}

// quotesOrOffers reports whether ans quotes entry id first or, when it
// clarifies, offers it among the candidates.
func quotesOrOffers(ans *Answer, id string) bool {
	if ans.Clarify {
		return slices.ContainsFunc(ans.Related, func(r kb.Related) bool { return r.ID == id })
	}
	return !ans.Refused && len(ans.Sources) > 0 && ans.Sources[0].ID == id
}
