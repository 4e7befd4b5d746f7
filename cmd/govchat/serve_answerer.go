package main

import (
	"github.com/govchat/govchat/internal/answer"
	"github.com/govchat/govchat/internal/llm"
)

// serveAnswerer builds the answerer over the search app: model answers when
// GOVCHAT_CHAT_MODEL is set, extractive otherwise.
// TODO(server helper): switch to the answer helper's constructor in
// app_answer.go once it is committed.
func serveAnswerer(env *Env, app *searchApp) (*answer.Answerer, error) {
	cfg := env.Config
	var model answer.ChatModel
	if cfg.ChatModel != "" {
		c, err := llm.New(llm.Config{BaseURL: cfg.OpenAIBaseURL, APIKey: cfg.OpenAIAPIKey, ChatModel: cfg.ChatModel, Timeout: cfg.ModelTimeout})
		if err != nil {
			return nil, err
		}
		model = c
	}
	return answer.New(answer.Config{Hotline: cfg.Hotline, Log: env.Log}, app.Base, app.Engine, model, nil)
}
