package attest_test

import (
	"fmt"
	"log"

	"github.com/grantledger/grantledger/attest"
)

// A batch of three usage receipts is recorded with the root of the Merkle
// tree over their statements' digests. Anyone holding one statement, the
// batch's root and the statement's inclusion proof can check that the
// statement is in the batch, and that a changed statement is not.
func ExampleVerifyProof() {
	var batch []attest.Statement
	for i, records := range []uint64{120, 45, 9} {
		id := fmt.Sprintf("r-%d", i+1)
		batch = append(batch, attest.Statement{
			ReceiptID:    id,
			GrantID:      "grant-1",
			Datasets:     []attest.DatasetUse{{ID: "visits", Fields: []string{"age", "diagnosis"}}},
			Operation:    "statistics",
			Purpose:      "credit-assessment",
			Records:      records,
			InputDigest:  fmt.Sprintf("0x%064x", 2*i+1),
			OutputDigest: fmt.Sprintf("0x%064x", 2*i+2),
			Time:         1767225600, // 2026-01-01 00:00 UTC
		})
	}
	var leaves [][32]byte
	for _, s := range batch {
		if err := s.Validate(); err != nil {
			log.Fatal(err)
		}
		leaves = append(leaves, s.Digest())
	}
	root, err := attest.MerkleRoot(leaves)
	if err != nil {
		log.Fatal(err)
	}
	// The platform gives the holder of receipt r-3 its proof; the batch
	// records its root as hex.
	proof, err := attest.MerkleProof(leaves, 2)
	if err != nil {
		log.Fatal(err)
	}
	recorded := attest.HexDigest(root)

	// The holder checks r-3 against the recorded root.
	batchRoot, err := attest.ParseDigest(recorded)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("proof steps:", len(proof), "sibling on the left:", proof[0].Left)
	fmt.Println("r-3 in the batch:", attest.VerifyProof(batch[2].Digest(), proof, batchRoot))
	changed := batch[2]
	changed.Records = 900
	fmt.Println("r-3 with 900 records in the batch:", attest.VerifyProof(changed.Digest(), proof, batchRoot))
	fmt.Println("r-1 with r-3's proof:", attest.VerifyProof(batch[0].Digest(), proof, batchRoot))
	// Output:
	// proof steps: 1 sibling on the left: true
	// r-3 in the batch: true
	// r-3 with 900 records in the batch: false
	// r-1 with r-3's proof: false
}
