package config

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
)

var backquoted = regexp.MustCompile("`([^`]*)`")

// CheckDoc compares a command's settings with the table that documents
// them in a Markdown document: the first table after the line heading
// ("## glevents"), whose rows begin with the flag (`-org`) and, when the
// table has an environment column, the variable (`GLEVENTS_ORG`). The
// config file flag of opts counts as a setting. It returns every
// difference: a setting the table lacks, a row no setting has, a wrong
// environment variable, a default (`default` tag) that the table's default
// column does not state.
func CheckDoc(markdown []byte, heading string, opts Options, settings []Setting) error {
	rows, envColumn, err := docTable(markdown, heading)
	if err != nil {
		return err
	}
	want := map[string]Setting{}
	if opts.FileFlag != "" {
		want[opts.FileFlag] = Setting{Flag: opts.FileFlag, Env: opts.FileEnv}
	}
	for _, s := range settings {
		want[s.Flag] = s
	}
	var errs []error
	for flag, s := range want {
		got, ok := rows[flag]
		switch {
		case !ok:
			errs = append(errs, fmt.Errorf("%s: -%s is not documented", heading, flag))
		case envColumn && got.env != s.Env:
			errs = append(errs, fmt.Errorf("%s: -%s: documented environment variable %q, the code reads %q", heading, flag, got.env, s.Env))
		case !envColumn && s.Env != "":
			errs = append(errs, fmt.Errorf("%s: -%s: the table has no environment column, the code reads %s", heading, flag, s.Env))
		case s.Default != "" && !strings.Contains(got.def, s.Default):
			errs = append(errs, fmt.Errorf("%s: -%s: documented default %q, the code's is %q", heading, flag, got.def, s.Default))
		}
	}
	for flag := range rows {
		if _, ok := want[flag]; !ok {
			errs = append(errs, fmt.Errorf("%s: documents -%s, which the code does not have", heading, flag))
		}
	}
	return errors.Join(errs...)
}

// docRow is what a table says of one flag.
type docRow struct{ env, def string }

// docTable reads the table after heading, by flag.
func docTable(markdown []byte, heading string) (rows map[string]docRow, envColumn bool, err error) {
	sc := bufio.NewScanner(bytes.NewReader(markdown))
	found, inTable := false, false
	rows = map[string]docRow{}
	defColumn := -1
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !found {
			found = line == heading
			continue
		}
		if !strings.HasPrefix(line, "|") {
			if inTable {
				break
			}
			if strings.HasPrefix(line, "#") {
				return nil, false, fmt.Errorf("%s: no table before the next heading", heading)
			}
			continue
		}
		cells := strings.Split(strings.Trim(line, "|"), "|")
		if !inTable { // the header row
			inTable = true
			envColumn = len(cells) > 1 && strings.Contains(strings.ToLower(cells[1]), "environment")
			for i, c := range cells {
				if strings.TrimSpace(strings.ToLower(c)) == "default" {
					defColumn = i
				}
			}
			continue
		}
		m := backquoted.FindStringSubmatch(cells[0])
		if m == nil || !strings.HasPrefix(m[1], "-") {
			continue // the separator row
		}
		env := ""
		if envColumn {
			if e := backquoted.FindStringSubmatch(cells[1]); e != nil {
				env = e[1]
			}
		}
		def := ""
		if defColumn >= 0 && defColumn < len(cells) {
			def = cells[defColumn]
		}
		rows[strings.TrimPrefix(m[1], "-")] = docRow{env: env, def: def}
	}
	if !found {
		return nil, false, fmt.Errorf("no heading %q", heading)
	}
	if len(rows) == 0 {
		return nil, false, fmt.Errorf("%s: no table of flags", heading)
	}
	return rows, envColumn, nil
}
