package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/grantledger/grantledger/client"
	"github.com/grantledger/grantledger/network"
)

// httpClient is shared by every request of the bench: its transport keeps
// enough idle connections per API that 16 clients never reconnect (the
// default keeps 2, and the churn would be measured as latency).
var httpClient = &http.Client{
	Timeout: 2 * time.Minute,
	Transport: &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        512,
		MaxIdleConnsPerHost: 128,
		IdleConnTimeout:     90 * time.Second,
	},
}

// apiClient is one organisation's grantledger API (or the anchoring
// service, which takes the same tokens) as its users call it.
type apiClient struct {
	msp, base string
	// tokens maps each user (Admin, User1, User2) to its bearer token.
	tokens map[string]string
}

// apiOf returns the API of an organisation of the profile, with the
// tokens the network issued it (tokens.env in its API directory).
func apiOf(n *network.Network, o client.OrgProfile) (*apiClient, error) {
	if o.API == "" {
		return nil, fmt.Errorf("organisation %s has no API address in the profile", o.MSPID)
	}
	tokens, err := readTokens(filepath.Join(n.APIDir(o.Name), "tokens.env"))
	if err != nil {
		return nil, fmt.Errorf("the API of %s: %w", o.MSPID, err)
	}
	return &apiClient{msp: o.MSPID, base: "http://" + o.API, tokens: tokens}, nil
}

// readTokens reads USER=token lines.
func readTokens(path string) (map[string]string, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read tokens: %w", err)
	}
	out := map[string]string{}
	for line := range strings.Lines(string(raw)) {
		user, token, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok && user != "" && !strings.HasPrefix(user, "#") {
			out[user] = token
		}
	}
	if out["User1"] == "" {
		return nil, fmt.Errorf("%s holds no token of User1", path)
	}
	return out, nil
}

// answer is an API's answer to one request.
type answer struct {
	status int
	body   []byte
}

// do sends one request as the organisation's User1 and reads the answer.
// A body is sent as JSON.
func (a *apiClient) do(ctx context.Context, method, path string, body []byte) (answer, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+a.tokens["User1"])
	res, err := httpClient.Do(req)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s%s: %w", method, a.base, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return answer{}, fmt.Errorf("%s %s%s: read the answer: %w", method, a.base, path, err)
	}
	return answer{status: res.StatusCode, body: raw}, nil
}

// expect turns an answer of another status than want into an error
// carrying the start of its body (the API's error JSON).
func (a answer) expect(what string, want int) error {
	if a.status == want {
		return nil
	}
	body := string(a.body)
	if len(body) > 240 {
		body = body[:240] + "…"
	}
	return fmt.Errorf("%s: status %d, want %d: %s", what, a.status, want, body)
}
