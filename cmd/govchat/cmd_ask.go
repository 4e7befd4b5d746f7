package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/govchat/govchat/internal/answer"
	"github.com/govchat/govchat/internal/govchat"
	"github.com/govchat/govchat/internal/kb"
)

func init() {
	register(command{
		name:    "ask",
		summary: "answer a question with citations (chat model when configured, else quoted from the official text)",
		run:     runAsk,
	})
}

// askJSON is what `govchat ask --json` prints.
type askJSON struct {
	Answer     string       `json:"answer"`
	Refused    bool         `json:"refused"`
	Reason     string       `json:"reason,omitempty"`
	Clarify    bool         `json:"clarify,omitempty"`
	Mode       govchat.Mode `json:"mode"`
	Aspect     string       `json:"aspect,omitempty"`
	Standalone string       `json:"standalone,omitempty"`
	Sources    []kb.Source  `json:"sources"`
	Related    []kb.Related `json:"related"`
}

func runAsk(ctx context.Context, env *Env, args []string) error {
	fs := newFlags(env, "ask")
	asJSON := fs.Bool("json", false, "print {answer, refused, reason, clarify, mode, aspect, standalone, sources, related} as JSON instead of streaming text")
	expired := fs.Bool("expired", false, "also answer from 已废止/expired documents (labelled)")
	chat := fs.Bool("chat", false, "read questions line by line from standard input as one conversation (follow-ups use the earlier turns)")
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "Usage: govchat ask [--json] [--expired] \"问题\"\n       govchat ask --chat [--json] < questions.txt\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	question := strings.TrimSpace(strings.Join(fs.Args(), " "))
	if question == "" && !*chat {
		fs.Usage()
		return exitError{code: 2}
	}
	app, err := openSearch(ctx, env, searchOptions{})
	if err != nil {
		return err
	}
	defer app.Close()
	a, err := newAnswerer(env, app)
	if err != nil {
		return err
	}
	if !*chat {
		_, err := askOne(ctx, env, a, govchat.Request{Question: question, IncludeExpired: *expired}, *asJSON)
		return err
	}
	var history []govchat.Turn
	sc := bufio.NewScanner(env.Stdin)
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		q := strings.TrimSpace(sc.Text())
		if q == "" {
			continue
		}
		if !*asJSON {
			fmt.Fprintf(env.Stdout, "问：%s\n", q)
		}
		ans, err := askOne(ctx, env, a, govchat.Request{Question: q, History: history, IncludeExpired: *expired}, *asJSON)
		if err != nil {
			if errors.Is(err, answer.ErrInvalidQuestion) {
				fmt.Fprintf(env.Stderr, "govchat ask: %v\n", err)
				continue
			}
			return err
		}
		// As the chat service does: answers are kept with the documents
		// they cite, clarifications with their choices; refusals are not.
		if t, ok := ans.Turn(q); ok {
			history = append(history, t)
		}
	}
	return sc.Err()
}

// askOne answers one question: streamed text then the sources, or JSON.
func askOne(ctx context.Context, env *Env, a *answer.Answerer, req govchat.Request, asJSON bool) (*govchat.Answer, error) {
	if !asJSON {
		req.Stream = func(s string) error {
			_, err := io.WriteString(env.Stdout, s)
			return err
		}
	}
	ans, err := a.Answer(ctx, req)
	if err != nil {
		return nil, err
	}
	if asJSON {
		out := askJSON{Answer: ans.Text, Refused: ans.Refused, Reason: ans.Reason, Clarify: ans.Clarify, Mode: ans.Mode, Aspect: ans.Aspect,
			Standalone: ans.Standalone, Sources: ans.Sources, Related: ans.Related}
		if out.Related == nil {
			out.Related = []kb.Related{}
		}
		enc := json.NewEncoder(env.Stdout)
		enc.SetEscapeHTML(false)
		return ans, enc.Encode(out)
	}
	fmt.Fprintln(env.Stdout)
	printSources(env.Stdout, ans)
	return ans, nil
}

// printSources lists the cited sources under a streamed answer.
func printSources(w io.Writer, ans *govchat.Answer) {
	if ans.Refused {
		fmt.Fprintf(w, "（未作答：%s）\n\n", ans.Reason)
		return
	}
	if ans.Standalone != "" {
		fmt.Fprintf(w, "（按“%s”检索）\n", ans.Standalone)
	}
	if len(ans.Sources) == 0 {
		fmt.Fprintln(w)
		return
	}
	fmt.Fprintln(w, "\n来源：")
	for _, s := range ans.Sources {
		line := fmt.Sprintf("[%d] %s", s.N, s.Title)
		if s.DocNumber != "" {
			line += "（" + s.DocNumber + "）"
		}
		if s.Heading != "" {
			line += " › " + s.Heading
		}
		if s.Status != "" && s.Status != kb.StatusActive {
			line += " 【" + string(s.Status) + "】"
		}
		fmt.Fprintln(w, line)
		fmt.Fprintf(w, "    %s", s.DocURL)
		if s.URL != "" {
			fmt.Fprintf(w, "  原文：%s", s.URL)
		}
		fmt.Fprintln(w)
		for _, r := range s.Interpretations {
			fmt.Fprintf(w, "    政策解读：%s  %s\n", r.Title, r.DocURL)
		}
		if s.Interprets != nil {
			fmt.Fprintf(w, "    解读的政策：%s  %s\n", s.Interprets.Title, s.Interprets.DocURL)
		}
		for _, r := range s.ReplacedBy {
			fmt.Fprintf(w, "    现行文件：%s  %s\n", r.Title, r.DocURL)
		}
	}
	fmt.Fprintln(w)
}
