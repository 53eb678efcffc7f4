// Package api is the REST API one grantledger organisation runs for its
// people and systems: Gin handlers that decode and validate HTTP requests,
// call the ledger as the Fabric identity of the caller's bearer token, and
// answer JSON. The event stream (/v1/events) passes on only the events
// the caller may read, by the audience the contract gives each event. The
// public disclosure (/v1/disclosure/…, and its page /public) needs no
// token: it is read as one fixed identity of the organisation, limited
// per client address (disclosure.go).
//
// The package declares what it needs from the ledger as small interfaces
// (Ledger and its parts, Identities, EventSource); cmd/grantledger-api wires
// them to the client package. Around the handlers sit request IDs, JSON
// request logs, a body limit, a per-request deadline, bearer-token
// authentication, idempotency keys on POST, Prometheus metrics and one
// table that maps errors to HTTP status codes (errors.go). The OpenAPI
// document at /v1/openapi.json is generated from the same route table the
// router is built from.
package api
