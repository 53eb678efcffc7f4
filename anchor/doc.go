// Package anchor is the anchoring service the platform organisation runs
// (command glanchor): the trusted environment posts each signed usage
// receipt to it, it checks what it can cheaply (View), appends the receipt
// to a durable local log (Log, a bbolt file, fsynced before it answers 202)
// and anchors the log's receipts through the contract in batches (Batcher),
// each exactly once however often the process is killed. Each receipt's
// status — pending, anchored with its inclusion proof, or refused with the
// contract's reason — is readable (Server), and the anchoring events stream
// as Server-Sent Events that resume from the log.
//
// docs/anchoring.md describes the HTTP API, the defaults and why bbolt.
package anchor
