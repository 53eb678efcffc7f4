// Package docs_test checks that the documentation's file map matches the
// tree.
package docs_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// layers are the columns of the concept map in docs/design.md.
var layers = []string{"ledger", "chaincode", "client", "api"}

// TestConceptMapMatchesTree: every file the map in docs/design.md names
// exists, and every non-test Go file of the four layers is named in the
// map or in the paragraph of shared pieces below it.
func TestConceptMapMatchesTree(t *testing.T) {
	doc, err := os.ReadFile("../../docs/design.md")
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	start := strings.Index(text, "## Where each concept lives")
	if start < 0 {
		t.Fatal("docs/design.md has no section \"Where each concept lives\"")
	}
	section := text[start:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	named := map[string][]string{} // layer → files named in the table
	rows := 0
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(strings.Trim(line, "| "), "|")
		if len(cells) != 1+len(layers) || strings.HasPrefix(cells[0], "---") || strings.TrimSpace(cells[0]) == "concept" {
			continue
		}
		rows++
		for i, layer := range layers {
			for _, f := range strings.Split(cells[i+1], ",") {
				f = strings.TrimSpace(f)
				if f == "—" {
					continue
				}
				named[layer] = append(named[layer], f)
				if _, err := os.Stat(filepath.Join("../..", layer, f)); err != nil {
					t.Errorf("the map names %s/%s (concept %q), which does not exist", layer, f, strings.TrimSpace(cells[0]))
				}
			}
		}
	}
	if rows < 10 {
		t.Fatalf("found %d rows in the concept map, want the table", rows)
	}
	for _, layer := range layers {
		files, err := filepath.Glob(filepath.Join("../..", layer, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			base := filepath.Base(f)
			if strings.HasSuffix(base, "_test.go") || base == "doc.go" {
				continue
			}
			if !slices.Contains(named[layer], base) && !strings.Contains(section, "`"+layer+"/"+base+"`") {
				t.Errorf("%s/%s is in neither the concept map nor its shared pieces", layer, base)
			}
		}
	}
}
