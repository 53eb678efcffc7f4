//go:build tools

// Package lint pins the linters the CI runs (scripts/test.sh lint builds them
// from here), in a module of its own so they stay out of grantledger's.
package lint

import _ "honnef.co/go/tools/cmd/staticcheck"
