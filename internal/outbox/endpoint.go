package outbox

import "net/url"

// DisplayURL is an endpoint as logs and listings show it: without a user,
// password or query, which may hold a credential.
func DisplayURL(endpoint string) string { return redactURL(endpoint) }

func redactURL(endpoint string) string {
	u, err := url.Parse(endpoint)
	if err != nil || u.Host == "" {
		return "(invalid URL)"
	}
	u.User = nil
	if u.RawQuery != "" {
		u.RawQuery = "…"
	}
	u.Fragment = ""
	return u.String()
}
