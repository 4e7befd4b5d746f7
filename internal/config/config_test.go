package config

import (
	"strings"
	"testing"
	"time"
)

func fromEnv(t *testing.T, env map[string]string) Config {
	t.Helper()
	c, err := FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestWebhookSettings(t *testing.T) {
	c := fromEnv(t, map[string]string{"GOVCHAT_WEBHOOK_URL": " https://a.example.gov.cn/hook , http://10.0.0.5:9000/12345 ", "GOVCHAT_WEBHOOK_SECRET": "0123456789abcdef0123"})
	if len(c.WebhookURLs) != 2 || c.WebhookURLs[1] != "http://10.0.0.5:9000/12345" || c.WebhookTimeout != 10*time.Second || c.WebhookRetention != 7*24*time.Hour {
		t.Errorf("config = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("valid settings refused: %v", err)
	}
	if err := fromEnv(t, nil).Validate(); err != nil {
		t.Errorf("no webhooks refused: %v", err)
	}
	for name, tc := range map[string]struct {
		env  map[string]string
		want string
	}{
		"no secret":     {map[string]string{"GOVCHAT_WEBHOOK_URL": "https://a.example/"}, "GOVCHAT_WEBHOOK_SECRET is required when GOVCHAT_WEBHOOK_URL is set"},
		"short secret":  {map[string]string{"GOVCHAT_WEBHOOK_URL": "https://a.example/", "GOVCHAT_WEBHOOK_SECRET": "short"}, "too short"},
		"not http":      {map[string]string{"GOVCHAT_WEBHOOK_URL": "ftp://a.example/", "GOVCHAT_WEBHOOK_SECRET": "0123456789abcdef"}, "not an http(s) URL"},
		"no host":       {map[string]string{"GOVCHAT_WEBHOOK_URL": "https:///hook", "GOVCHAT_WEBHOOK_SECRET": "0123456789abcdef"}, "not an http(s) URL"},
		"twice":         {map[string]string{"GOVCHAT_WEBHOOK_URL": "https://a.example/,https://a.example/", "GOVCHAT_WEBHOOK_SECRET": "0123456789abcdef"}, "listed twice"},
		"bad retention": {map[string]string{"GOVCHAT_WEBHOOK_RETENTION": "-1h"}, "must be positive"},
	} {
		err := fromEnv(t, tc.env).Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want %q", name, err, tc.want)
		}
	}
}
