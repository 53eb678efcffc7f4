//go:build e2e

package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	gateway "github.com/hyperledger/fabric-gateway/pkg/client"
	"github.com/hyperledger/fabric-gateway/pkg/identity"
	"github.com/hyperledger/fabric-protos-go-apiv2/common"
	gatewaypb "github.com/hyperledger/fabric-protos-go-apiv2/gateway"
	"github.com/hyperledger/fabric-protos-go-apiv2/peer"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/grantledger/grantledger/attest"
	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/ledger"
	lt "github.com/grantledger/grantledger/ledger/ledgertest"
)

// Trust boundaries: what one member can see and bend, tried as a curious
// member would, on the real network. Each probe of the issue that asked
// for them is a step here, now refused or answering nothing it should not.

// TestTrustBoundaries takes a grant through the APIs to a listed product,
// then probes it as other members: bookmarks that try to escape their
// query, event streams, reads of what exists and what does not, a
// receipt's replay, an expert from another organisation, and the ledger
// directories of peers outside the operator's private collection.
func TestTrustBoundaries(t *testing.T) {
	p := newAPIProcess(t, "trust")
	b := boundaries{p}
	runPhases(t, append(p.grantInForce(),
		phase{"an evaluation of the operator", b.evaluate},
		phase{"attestor and receipts", p.receiptsThroughAPI},
		phase{"bookmarks cannot escape their query", b.bookmarks},
		phase{"event streams carry only what the caller may read", b.events},
		phase{"what a caller may not read answers as what does not exist", b.noExistenceOracle},
		phase{"a receipt is authorised before its replay check", b.replayAfterAuthorisation},
		phase{"experts are identities of the authority", b.expertsOfTheAuthority},
		phase{"private records stay in the operator's collection", b.privateRecordsOnDisk},
		phase{"a batch's statements reach its endorsers only", b.batchStatementsOffTheBlocks},
	)...)
}

// batchStatementsOffTheBlocks: a batch of receipts travels as transient
// data, so no peer's ledger holds its statements (here the input digest
// each statement names), only the batch records with each statement's
// digest; a receipt posted alone is recorded whole, statement included.
// receiptsThroughAPI posted r1 alone and r2 in a batch.
func (b boundaries) batchStatementsOffTheBlocks(t *testing.T) {
	alone, batched := b.statement(b.id("r1"), 5), b.statement(b.id("r2"), 10)
	probes := map[string]string{
		"alone: input digest":   alone.InputDigest,
		"batched: leaf":         attest.HexDigest(batched.Digest()),
		"batched: input digest": batched.InputDigest,
	}
	for _, o := range []*apiOrg{b.health, b.regulator, b.platform} {
		found := search(t, o.name, probes)
		if !found["alone: input digest"] || !found["batched: leaf"] {
			t.Errorf("%s's peer: got %v, want the receipt posted alone and the batch record found: the search reads nothing", o.msp, found)
		}
		if found["batched: input digest"] {
			t.Errorf("%s's peer holds the statement of a receipt recorded in a batch", o.msp)
		}
	}
}

type boundaries struct{ *apiProcess }

// evaluationNote is the text of the run's evaluation report.
func (b boundaries) evaluationNote() string { return "evaluation text " + b.run }

// evaluate records an evaluation of the operator with a report and a note,
// which go to the operator's collection.
func (b boundaries) evaluate(t *testing.T) {
	var pt ledger.Participant
	b.write(t, b.authority, apiRequest{method: http.MethodPost, path: "/v1/participants/" + b.operator.msp + "/evaluations", body: obj{
		"id": b.id("eval"), "date": time.Now().UTC().Add(-time.Minute), "result": "qualified",
		"reportDigest": lt.Digest("evaluation " + b.run), "note": b.evaluationNote(),
	}}, http.StatusCreated, "participant.evaluated", &pt)
	var seen ledger.Participant
	b.get(t, b.regulator, "/v1/participants/"+b.operator.msp, &seen)
	if !slices.ContainsFunc(seen.Evaluations, func(e ledger.Evaluation) bool { return e.Note == b.evaluationNote() }) {
		t.Errorf("the regulator reads evaluations %+v, want the run's with its note", seen.Evaluations)
	}
}

// bookmarks replays the probes: a raw key of another index or type as a
// bookmark is refused; paging one item at a time never hands out a
// bookmark of a key outside the list.
func (b boundaries) bookmarks(t *testing.T) {
	for _, path := range []string{
		"/v1/disclosure/products?bookmark=" + url.QueryEscape("\x00idx~product\x00grant\x00"),
		"/v1/calls?bookmark=" + url.QueryEscape("\x00agreement\x00"),
		"/v1/calls?bookmark=" + base64.RawURLEncoding.EncodeToString([]byte("\x00agreement\x00")),
	} {
		a := b.market.do(t, apiRequest{method: http.MethodGet, path: path})
		if a.status != http.StatusBadRequest || !strings.Contains(string(a.body), "bookmark") {
			t.Errorf("%s: got %d %s, want 400 naming the bookmark", a.req, a.status, a.body)
		}
	}
	bookmark, pages := "", 0
	for ; pages < 500; pages++ {
		var pg page[ledger.Call]
		b.market.do(t, apiRequest{method: http.MethodGet, path: "/v1/calls?pageSize=1&bookmark=" + url.QueryEscape(bookmark)}).want(t, http.StatusOK, &pg)
		if pg.Bookmark == "" {
			break
		}
		raw, err := base64.RawURLEncoding.DecodeString(pg.Bookmark)
		if err != nil || !strings.HasPrefix(string(raw), "\x00call\x00") {
			t.Fatalf("page %d of calls: bookmark %q decodes to %q (%v), want a key of a call", pages, pg.Bookmark, raw, err)
		}
	}
	if pages == 0 {
		t.Errorf("calls paged one at a time: no page had a bookmark, want several calls on the ledger")
	}
}

// events reads the streams of a provider, the operator and the regulator
// from the run's first block: the provider gets no application, review or
// agreement event; the operator gets its own; the regulator gets them all.
func (b boundaries) events(t *testing.T) {
	private := func(e apiEvent) bool {
		return e.Payload.Type == "application" || e.Payload.Type == "review" || e.Payload.Type == "agreement"
	}
	streams := map[string][]apiEvent{}
	for _, o := range []*apiOrg{b.market, b.operator, b.regulator} {
		evs, err := readEventsFor(t, o, b.startBlock+1, 3*time.Second)
		if err != nil {
			t.Fatalf("%s's stream: %v", o.msp, err)
		}
		streams[o.msp] = evs
	}
	count := func(msp string, match func(apiEvent) bool) int {
		n := 0
		for _, e := range streams[msp] {
			if match(e) {
				n++
			}
		}
		return n
	}
	ofRun := func(e apiEvent) bool { return strings.Contains(e.Payload.ID, b.run) }
	if n := count(b.market.msp, func(e apiEvent) bool { return private(e) }); n != 0 {
		t.Errorf("%s's stream: %d application, review or agreement events, want none", b.market.msp, n)
	}
	for _, e := range streams[b.market.msp] {
		for _, r := range e.Payload.Related {
			if r.Type == "application" || r.Type == "agreement" {
				t.Errorf("%s's stream: event %s lists %s %s, which it may not read", b.market.msp, e.Name, r.Type, r.ID)
			}
		}
	}
	if n := count(b.market.msp, func(e apiEvent) bool { return e.Payload.Type == "dataset" && ofRun(e) }); n < 2 {
		t.Errorf("%s's stream: %d dataset events of the run, want both datasets (public)", b.market.msp, n)
	}
	if n := count(b.operator.msp, func(e apiEvent) bool { return private(e) && ofRun(e) }); n == 0 {
		t.Errorf("%s's stream: no event of its application, reviews or agreement", b.operator.msp)
	}
	if mine, all := count(b.operator.msp, private), count(b.regulator.msp, private); all <= mine && all == 0 {
		t.Errorf("the regulator's stream: %d private events, want at least the operator's %d", all, mine)
	}
	t.Logf("events from block %d: %s %d, %s %d, %s %d", b.startBlock+1, b.market.msp, len(streams[b.market.msp]),
		b.operator.msp, len(streams[b.operator.msp]), b.regulator.msp, len(streams[b.regulator.msp]))
}

// readEventsFor reads o's event stream from block from for d, or until it
// ends.
func readEventsFor(t *testing.T, o *apiOrg, from uint64, d time.Duration) ([]apiEvent, error) {
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	res, err := openEventStream(ctx, o, from, "")
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	var evs []apiEvent
	err = eachEvent(res.Body, func(e apiEvent) error { evs = append(evs, e); return nil })
	if ctx.Err() != nil {
		err = nil // read for d, as asked
	}
	return evs, err
}

// noExistenceOracle: a provider reading the run's application, agreement
// or a review gets exactly what it gets for IDs that do not exist.
func (b boundaries) noExistenceOracle(t *testing.T) {
	for _, tt := range []struct{ path, id string }{
		{"/v1/applications/", b.app},
		{"/v1/agreements/", b.agreement},
		{"/v1/reviews/", b.id("rev-scenario")},
	} {
		missing := b.id("missing")
		hidden := b.market.do(t, apiRequest{method: http.MethodGet, path: tt.path + tt.id})
		absent := b.market.do(t, apiRequest{method: http.MethodGet, path: tt.path + missing})
		if hidden.status != http.StatusNotFound || absent.status != http.StatusNotFound {
			t.Errorf("GET %s… as %s: got %d for an existing one and %d for a missing one, want 404 for both", tt.path, b.market.msp, hidden.status, absent.status)
		}
		if got, want := strings.ReplaceAll(string(hidden.body), tt.id, "X"), strings.ReplaceAll(string(absent.body), missing, "X"); got != want {
			t.Errorf("GET %s… as %s: an existing one answers %s, a missing one %s; want the same but for the ID", tt.path, b.market.msp, got, want)
		}
	}
}

// replayAfterAuthorisation: the regulator, which may not submit receipts,
// resends a recorded receipt: it is refused as forbidden, without learning
// when the receipt was recorded.
func (b boundaries) replayAfterAuthorisation(t *testing.T) {
	if len(b.receipts) == 0 {
		t.Fatal("the run recorded no receipt")
	}
	first := b.statement(b.receipts[0], 5)
	var r ledger.Receipt
	b.get(t, b.operator, "/v1/receipts/"+first.ReceiptID, &r)
	a := b.regulator.do(t, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: b.receiptBody(first)})
	wantAPIError(t, a, http.StatusForbidden, "forbidden", "", "are submitted by its holder or the platform")
	if strings.Contains(string(a.body), r.Recorded.TxID) || strings.Contains(string(a.body), "replay") {
		t.Errorf("%s: the answer tells of the recorded receipt: %s", a.req, a.body)
	}
	// Its holder still learns it is a replay.
	a = b.operator.do(t, apiRequest{method: http.MethodPost, path: "/v1/receipts", body: b.receiptBody(first)})
	wantAPIError(t, a, http.StatusConflict, "conflict", "", "replay")
}

// expertsOfTheAuthority: the authority cannot make an identity of another
// organisation an expert, which would strip it of its organisation's role.
func (b boundaries) expertsOfTheAuthority(t *testing.T) {
	var me struct {
		Caller *ledger.Actor `json:"caller"`
	}
	b.operator.do(t, apiRequest{method: http.MethodGet, path: "/v1/me", user: "User2"}).want(t, http.StatusOK, &me)
	if me.Caller == nil {
		t.Fatal("GET /v1/me: no caller")
	}
	a := b.authority.do(t, apiRequest{method: http.MethodPost, path: "/v1/experts",
		body: obj{"msp": me.Caller.MSP, "client": me.Caller.Client, "name": "Expert " + b.run}})
	wantAPIError(t, a, http.StatusUnprocessableEntity, "refused", "", "experts are identities of the authority's organisation")
	b.operator.do(t, apiRequest{method: http.MethodGet, path: "/v1/me", user: "User2"}).want(t, http.StatusOK, &me)
	if me.Caller.Role != ledger.RoleOperator || me.Caller.Individual {
		t.Errorf("the operator's User2 after the refusal: got %+v, want the operator still", me.Caller)
	}
}

// privateRecordsOnDisk searches every file under the ledger directories
// of the peers for the run's application documents, review report,
// evaluation note and agreement text. None is on the providers' or the
// platform's peers; each is on the operator's and the regulator's, which
// proves the search reads where the ledger keeps them. The application's
// ID, which is public, is on every peer.
func (b boundaries) privateRecordsOnDisk(t *testing.T) {
	secrets := map[string]string{
		"emergency plan digest":  lt.Digest("emergency plan " + b.app),
		"security docs digest":   lt.Digest("security docs " + b.app),
		"review report digest":   lt.Digest("report " + b.id("rev-scenario")),
		"evaluation note":        b.evaluationNote(),
		"agreement text digest":  lt.Digest("agreement " + b.agreement),
		"public application ID:": b.app,
	}
	// Members commit private data with the block; give the last one a
	// moment to reach every member.
	eventually(t, 30*time.Second, "the private records on the members' peers", func() error {
		for _, o := range []*apiOrg{b.operator, b.regulator} {
			found := search(t, o.name, secrets)
			for what := range secrets {
				if !found[what] {
					return errors.New(what + " not yet on " + o.msp + "'s peer")
				}
			}
		}
		return nil
	})
	for _, o := range []*apiOrg{b.health, b.market, b.platform} {
		found := search(t, o.name, secrets)
		if !found["public application ID:"] {
			t.Errorf("%s's peer: the public application ID %s is nowhere in its ledger: the search reads nothing", o.msp, b.app)
		}
		for what := range secrets {
			if what != "public application ID:" && found[what] {
				t.Errorf("%s's peer holds the %s of an application it is not party to", o.msp, what)
			}
		}
	}
}

// search reports which of the secrets occur, as bytes, in any file under
// the ledger directory of org's peer0.
func search(t *testing.T, org string, secrets map[string]string) map[string]bool {
	t.Helper()
	dir, err := shared.net.PeerDir(org, "peer0")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // a file the peer just removed
			}
			return err
		}
		for what, s := range secrets {
			if bytes.Contains(raw, []byte(s)) {
				found[what] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("search %s: %v", dir, err)
	}
	return found
}

// TestBootstrapBoundToTheAuthority: another organisation racing to
// bootstrap, naming itself, is refused by the contract services, which
// know the authority from the network's set-up.
func TestBootstrapBoundToTheAuthority(t *testing.T) {
	c := castOf(t)
	err := connect(t, c.operator, "User1").Bootstrap(t.Context(), c.operator)
	wantErr(t, c.operator+" bootstraps naming itself", err, client.ErrForbidden, "only the authority named when the network was set up")
	cfg, err := connect(t, c.regulator, "User1").GetConfig(t.Context())
	ok(t, err, "get config")
	if cfg.AuthorityMSP != c.authority {
		t.Errorf("authority after the attempt: got %s, want %s", cfg.AuthorityMSP, c.authority)
	}
}

// TestForgedTimestampRefused signs proposals offline, as fabric-gateway
// lets a client do, one with the timestamp the library set and one with a
// timestamp moved ten minutes back: the first is endorsed, the second is
// refused by the endorsers, which compare it with their own clocks.
func TestForgedTimestampRefused(t *testing.T) {
	c := castOf(t)
	org, err := shared.profile.Org(c.authority)
	ok(t, err, "profile of %s", c.authority)
	user, err := org.User("User1")
	ok(t, err, "user of %s", c.authority)
	certPEM, err := os.ReadFile(user.Cert)
	ok(t, err, "certificate")
	cert, err := identity.CertificateFromPEM(certPEM)
	ok(t, err, "parse certificate")
	id, err := identity.NewX509Identity(org.MSPID, cert)
	ok(t, err, "identity")
	keyPEM, err := os.ReadFile(user.Key)
	ok(t, err, "key")
	key, err := identity.PrivateKeyFromPEM(keyPEM)
	ok(t, err, "parse key")
	sign, err := identity.NewPrivateKeySign(key)
	ok(t, err, "signer")
	conn, err := client.Dial(org.Peer)
	ok(t, err, "dial %s's peer", c.authority)
	defer conn.Close()
	// No signer: every proposal is signed here, offline.
	gw, err := gateway.Connect(id, gateway.WithClientConnection(conn))
	ok(t, err, "connect")
	defer gw.Close()
	contract := gw.GetNetwork(shared.profile.Channel).GetContract(shared.profile.Chaincode)

	endorse := func(shift time.Duration) error {
		proposal, err := contract.NewProposal("ExpireGrant", gateway.WithArguments("g-"+runID("ts", time.Now())))
		ok(t, err, "new proposal")
		raw, err := proposal.Bytes()
		ok(t, err, "proposal bytes")
		raw, digest := shiftTimestamp(t, raw, shift)
		signature, err := sign(digest)
		ok(t, err, "sign")
		signed, err := gw.NewSignedProposal(raw, signature)
		ok(t, err, "signed proposal")
		_, err = signed.Endorse()
		return err
	}
	// On time: the contract judges it, and refuses it only by its rules
	// (the grant does not exist).
	if err := endorse(0); err == nil || !strings.Contains(describe(err), "does not exist") {
		t.Errorf("a proposal signed offline on time: got %v, want it judged (not found)", describe(err))
	}
	for _, shift := range []time.Duration{-10 * time.Minute, 10 * time.Minute} {
		err := endorse(shift)
		if err == nil || !strings.Contains(describe(err), "from this endorser's clock") {
			t.Errorf("a proposal with its timestamp moved by %s: got %v, want it refused for its timestamp", shift, describe(err))
		}
	}
}

// describe is an endorsement error with the peers' details.
func describe(err error) string {
	if err == nil {
		return "success"
	}
	var e *gateway.EndorseError
	if !errors.As(err, &e) {
		return err.Error()
	}
	msg := err.Error()
	for _, d := range e.GRPCStatus().Details() {
		if ed, ok := d.(*gatewaypb.ErrorDetail); ok {
			msg += "; " + ed.GetMspId() + ": " + ed.GetMessage()
		}
	}
	return msg
}

// shiftTimestamp moves the timestamp in a serialized proposed transaction
// by shift and returns it again with the digest to sign: SHA-256 of the
// proposal's bytes, as fabric-gateway's Proposal.Digest computes it.
func shiftTimestamp(t *testing.T, raw []byte, shift time.Duration) ([]byte, []byte) {
	t.Helper()
	var pt gatewaypb.ProposedTransaction
	ok(t, proto.Unmarshal(raw, &pt), "proposed transaction")
	var prop peer.Proposal
	ok(t, proto.Unmarshal(pt.GetProposal().GetProposalBytes(), &prop), "proposal")
	var hdr common.Header
	ok(t, proto.Unmarshal(prop.GetHeader(), &hdr), "header")
	var ch common.ChannelHeader
	ok(t, proto.Unmarshal(hdr.GetChannelHeader(), &ch), "channel header")
	if shift != 0 {
		ch.Timestamp = timestamppb.New(ch.GetTimestamp().AsTime().Add(shift))
	}
	var err error
	hdr.ChannelHeader, err = proto.Marshal(&ch)
	ok(t, err, "channel header")
	prop.Header, err = proto.Marshal(&hdr)
	ok(t, err, "header")
	propBytes, err := proto.Marshal(&prop)
	ok(t, err, "proposal")
	pt.Proposal.ProposalBytes = propBytes
	out, err := proto.Marshal(&pt)
	ok(t, err, "proposed transaction")
	digest := sha256.Sum256(propBytes)
	return out, digest[:]
}

// TestTamperedContract swaps the operator's contract service for a build
// that records participants under another name, and shows that one
// organisation's contract cannot bend a write: endorsed with honest
// organisations' peers, the results differ and the gateway refuses to
// submit; endorsed by the tampered organisation alone, the transaction
// fails validation; chosen by the gateway, what commits is the honest
// result.
func TestTamperedContract(t *testing.T) {
	c := castOf(t)
	ctx := t.Context()
	bin, err := shared.net.BuildProgram(ctx, "./test/tampered")
	ok(t, err, "build the tampered contract")
	ok(t, shared.net.RestartChaincode(ctx, c.operator, bin), "start the tampered contract of %s", c.operator)
	t.Cleanup(func() {
		if err := shared.net.RestartChaincode(context.Background(), c.operator, ""); err != nil {
			t.Errorf("restore the contract of %s: %v", c.operator, err)
		}
	})
	auth := connect(t, c.authority, "User1")
	request := func(msp string) string {
		return `{"msp":"` + msp + `","role":"provider","name":"Probe ` + msp + `"}`
	}

	mixed := "Mixed" + runID("t", time.Now()) + "MSP"
	proposal, err := auth.Contract().NewProposal("RegisterParticipant", gateway.WithArguments(request(mixed)),
		gateway.WithEndorsingOrganizations(c.authority, c.operator, c.health, c.market))
	ok(t, err, "new proposal")
	_, err = proposal.Endorse()
	if d := describe(err); err == nil || !strings.Contains(d, "ProposalResponsePayloads do not match") {
		t.Errorf("endorsed by the tampered %s and honest peers: got %s, want the endorsements not to match", c.operator, d)
	}
	if _, err := auth.GetParticipant(ctx, mixed); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("participant %s after the refused endorsement: got %v, want none", mixed, err)
	}

	alone := "Alone" + runID("t", time.Now()) + "MSP"
	_, st := endorsedOnlyBy(t, auth, []string{c.operator}, "RegisterParticipant", request(alone))
	if st.Code != peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE {
		t.Errorf("endorsed by the tampered %s alone: got %s, want %s", c.operator, st.Code, peer.TxValidationCode_ENDORSEMENT_POLICY_FAILURE)
	}
	if _, err := auth.GetParticipant(ctx, alone); !errors.Is(err, client.ErrNotFound) {
		t.Errorf("participant %s after the invalid transaction: got %v, want none", alone, err)
	}

	chosen := "Chosen" + runID("t", time.Now()) + "MSP"
	p, err := auth.RegisterParticipant(ctx, ledger.ParticipantRequest{MSP: chosen, Role: ledger.RoleProvider, Name: "Probe " + chosen})
	ok(t, err, "register %s, the gateway choosing the endorsers", chosen)
	// The authority's peer has committed it; the regulator's may be a
	// block behind for a moment.
	regulator := connect(t, c.regulator, "User1")
	var got *ledger.Participant
	eventually(t, 10*time.Second, "participant "+chosen+" on the regulator's peer", func() error {
		got, err = regulator.GetParticipant(ctx, chosen)
		if err != nil && !errors.Is(err, client.ErrNotFound) {
			t.Fatalf("read %s: %v", chosen, err)
		}
		return err
	})
	if p.Name != "Probe "+chosen || got.Name != "Probe "+chosen {
		t.Errorf("participant %s: answered %q, recorded %q; want the honest name", chosen, p.Name, got.Name)
	}
}

// TestOneContractServicePerOrganisation: every organisation runs its own
// contract service, a process of its own.
func TestOneContractServicePerOrganisation(t *testing.T) {
	running := map[string]int{}
	for _, s := range shared.net.Status(t.Context()) {
		if s.Running {
			running[s.Name] = s.PID
		}
	}
	pids := map[int]bool{}
	for _, o := range shared.profile.Orgs {
		name, err := shared.net.ChaincodeProcess(o.MSPID)
		ok(t, err, "contract service of %s", o.MSPID)
		pid, up := running[name]
		if !up {
			t.Errorf("%s's contract service %s is not running", o.MSPID, name)
			continue
		}
		if pids[pid] {
			t.Errorf("%s's contract service shares process %d with another organisation", o.MSPID, pid)
		}
		pids[pid] = true
	}
}
