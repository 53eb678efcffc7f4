package ledger

// EventRef names another object a transaction changed.
type EventRef struct {
	Type   string `json:"type"`
	ID     string `json:"id"`
	Change string `json:"change"`
}

// Event is the payload of the one chaincode event every state-changing
// transaction emits. Its name is "<type>.<change>", e.g. "grant.revoked".
// Transactions that change several objects name the primary object and list
// the others in Related.
type Event struct {
	Type    string     `json:"type"`
	ID      string     `json:"id"`
	Change  string     `json:"change"`
	TxID    string     `json:"txId"`
	Actor   string     `json:"actor"`
	Related []EventRef `json:"related,omitempty"`
}
