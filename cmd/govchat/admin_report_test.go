package main

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/govchat/govchat/internal/auth"
	"github.com/govchat/govchat/internal/chat"
)

// TestUnansweredReportAuth: the unanswered report API takes the admin
// token or a signed-in admin of the workbench; an operator's session and
// anything else are refused.
func TestUnansweredReportAuth(t *testing.T) {
	rs := startServe(t, filepath.Join(moduleRoot(t), "knowledge"), map[string]string{"GOVCHAT_ADMIN_TOKEN": "s3cret-admin-token"}, chat.Config{})
	svc, err := auth.New(auth.Config{Path: filepath.Join(rs.data, "auth.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close()
	ctx := context.Background()
	const pw = "correct horse battery staple"
	for _, u := range []auth.NewUser{
		{Username: "boss", Name: "管理员", StaffNo: "9001", Role: auth.RoleAdmin, Password: pw},
		{Username: "op", Name: "坐席", StaffNo: "1001", Role: auth.RoleOperator, Password: pw},
	} {
		if _, err := svc.AddUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	adminToken, _, err := svc.Login(ctx, "boss", pw, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	opToken, _, err := svc.Login(ctx, "op", pw, "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, bearer string
		want         int
	}{
		{"no credentials", "", http.StatusUnauthorized},
		{"wrong token", "nope", http.StatusUnauthorized},
		{"admin token", "s3cret-admin-token", http.StatusOK},
		{"signed-in admin", adminToken, http.StatusOK},
		{"signed-in operator", opToken, http.StatusForbidden},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest("GET", rs.base+"/api/admin/unanswered", nil)
		if tt.bearer != "" {
			req.Header.Set("Authorization", "Bearer "+tt.bearer)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s: status %d, want %d", tt.name, resp.StatusCode, tt.want)
		}
	}
}
