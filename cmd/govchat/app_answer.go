package main

import (
	"fmt"
	"log/slog"

	"github.com/govchat/govchat/internal/answer"
	"github.com/govchat/govchat/internal/llm"
	"github.com/govchat/govchat/internal/safety"
)

// newChatModel returns the chat model client when GOVCHAT_CHAT_MODEL is set,
// else nil (answers are then extractive).
func newChatModel(env *Env) (*llm.Client, error) {
	cfg := env.Config
	if cfg.ChatModel == "" {
		return nil, nil
	}
	c, err := llm.New(llm.Config{BaseURL: cfg.OpenAIBaseURL, APIKey: cfg.OpenAIAPIKey, ChatModel: cfg.ChatModel, Timeout: cfg.ModelTimeout})
	if err != nil {
		return nil, fmt.Errorf("chat model: %w", err)
	}
	return c, nil
}

// newAnswerer builds the answerer over the search app: answers written by the
// chat model when GOVCHAT_CHAT_MODEL is set, extractive (quoted from the
// official text) otherwise. Sensitive words come from the knowledge base's
// dict/ plus the built-in list.
func newAnswerer(env *Env, app *searchApp) (*answer.Answerer, error) {
	f, err := safety.New(safety.Config{Words: app.Base.Dict.Sensitive})
	if err != nil {
		return nil, err
	}
	model, err := newChatModel(env)
	if err != nil {
		return nil, err
	}
	cfg := answer.Config{Hotline: env.Config.Hotline, Log: env.Log, Now: env.Now}
	var a *answer.Answerer
	if model != nil {
		a, err = answer.New(cfg, app.Base, app.Engine, model, f)
	} else {
		a, err = answer.New(cfg, app.Base, app.Engine, nil, f)
	}
	if err != nil {
		return nil, err
	}
	env.Log.Debug("answerer ready", slog.String("mode", string(a.Mode())), slog.String("chat_model", env.Config.ChatModel))
	return a, nil
}
