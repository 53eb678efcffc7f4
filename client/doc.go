// Package client is the Go library over the Fabric Gateway client that the
// grantledger API and tools share: it connects an organisation's identity to
// its peer from a Profile and offers one typed method per contract
// transaction.
//
// # Connections
//
// Connect opens one gRPC connection to the organisation's gateway peer
// (TLS-verified against the peer's root certificate) and one Gateway for the
// identity; WithConnection shares a connection opened with Dial among several
// identities. Every call is bounded by the caller's context and by its stage
// timeout (evaluate, endorse, submit, commit status; see Timeouts).
//
// # Transactions
//
// Each typed method submits (a transaction that changes the ledger:
// endorsed, ordered and awaited until committed) or evaluates (a query on
// the organisation's peer) the contract transaction of the same name,
// encoding requests as the JSON the contract decodes, and decodes the
// result. They are grouped in one file per concept, as in the contract
// (chaincode/) and the rules (ledger/): config (Bootstrap, GetConfig),
// participant (with WhoAmI), expert, dataset, call, application, review
// (reviews and opinions), grant (grants, sub-grants, usage), agreement,
// attestor, receipt (receipts, batches, proofs), product and audit
// (disclosure, provenance, history).
//
// # Errors
//
// Every failed call returns an *Error whose Kind is one of ErrNotFound,
// ErrForbidden, ErrConflict, ErrInvalid, ErrRefused (the contract's kinds,
// sent as the "<kind>: " prefix of its error message), ErrEndorsement or
// ErrUnavailable (the network's), or context.Canceled. The *Error also wraps
// the gateway's own error, so errors.As finds *gateway.EndorseError,
// *gateway.SubmitError, *gateway.CommitStatusError or *gateway.CommitError and
// status.Code reads the gRPC code. The mapping lives in one function,
// classify.
//
// # Retries
//
// Submissions are retried, with a new proposal and exponential backoff,
// only when nothing can have been recorded: a commit invalidated by a read
// conflict, or an endorsement refused because the peer was unavailable or
// not assembled because the endorsers' results differed (one peer had not
// yet committed a block another had: "ProposalResponsePayloads do not
// match"). A contract refusal is never retried.
// A failure after the transaction reached the orderer is reported as
// ErrUnavailable with "outcome unknown" and the transaction ID, and never
// retried. Queries are retried while the peer is unavailable.
//
// # Events
//
// FollowEvents delivers the contract's chaincode events one at a time and
// moves a checkpoint file past each event only when the consumer calls
// Event.Ack, so that a restarted follower resumes exactly after the last
// acknowledged event.
package client
