// Package ratekey turns a client address into the key that per-client
// limits (questions, sockets, sign-ins, 留言) count against.
//
// An IPv4 address is its own key. An IPv6 address is keyed by its /64
// prefix: one subscriber line or cloud host is routinely given a whole /64,
// so keying single IPv6 addresses would let one client rotate through 2^64
// addresses and never meet a limit.
package ratekey

import "net/netip"

// Of returns the limit key of ip (an address without port, as the servers'
// ClientIP functions return it). IPv4 and IPv4-mapped IPv6 addresses are
// returned as plain IPv4; other IPv6 addresses as their /64 prefix
// ("2001:db8:1:2::/64"). A string that is not an IP address is returned
// unchanged.
func Of(ip string) string {
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
