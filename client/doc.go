// Package client is the Go library over the Fabric Gateway client that the
// grantledger API and tools share: it connects an organisation's identity to
// its peer from a Profile and offers one typed method per contract
// transaction.
package client
