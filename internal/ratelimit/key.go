package ratelimit

import "net/netip"

// Key returns the limit key of ip (an address without port, as the servers'
// ClientIP functions return it). IPv4 and IPv4-mapped IPv6 addresses are
// returned as plain IPv4; other IPv6 addresses as their /64 prefix
// ("2001:db8:1:2::/64"). A string that is not an IP address is returned
// unchanged.
func Key(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, err := a.Prefix(64)
	if err != nil {
		return ip
	}
	return p.String()
}
