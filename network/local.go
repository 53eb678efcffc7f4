package network

import (
	"net"
)

// isLocal reports whether host names this machine: a loopback address or
// one of its interfaces' addresses. On a network laid across several hosts,
// glnet on each host starts the nodes that live there and leaves the others
// to their own hosts (docs/network.md).
func isLocal(host string) bool {
	ips := []net.IP{net.ParseIP(host)}
	if ips[0] == nil {
		resolved, err := net.LookupIP(host)
		if err != nil {
			return false
		}
		ips = resolved
	}
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, ip := range ips {
		if ip.IsLoopback() {
			return true
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok && n.IP.Equal(ip) {
				return true
			}
		}
	}
	return false
}
