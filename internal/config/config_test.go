package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// testConfig has a setting of every supported type.
type testConfig struct {
	Name    string        `flag:"name" env:"T_NAME" default:"anon" usage:"a string"`
	On      bool          `flag:"on" env:"T_ON" usage:"a bool"`
	Count   int           `flag:"count" env:"T_COUNT" default:"3" usage:"an int"`
	Bytes   int64         `flag:"bytes" env:"T_BYTES" default:"1024" usage:"an int64"`
	Small   uint8         `flag:"small" env:"T_SMALL" usage:"a uint8"`
	Ratio   float64       `flag:"ratio" env:"T_RATIO" default:"0.5" usage:"a float"`
	Wait    time.Duration `flag:"wait" env:"T_WAIT" default:"30s" usage:"a duration"`
	Level   Level         `flag:"log-level" env:"T_LOG_LEVEL" default:"info" usage:"a level"`
	Token   string        `flag:"token" env:"T_TOKEN" secret:"true" usage:"a secret"`
	Renamed string        `flag:"renamed" key:"other-key" usage:"a setting whose file key is not its flag"`
	Plain   string        // not a setting: no flag tag
}

var testDefaults = testConfig{Name: "anon", Count: 3, Bytes: 1024, Ratio: 0.5, Wait: 30 * time.Second, Level: Level(slog.LevelInfo)}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.json")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func envOf(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

func testOptions(env map[string]string) Options {
	return Options{Command: "test", FileFlag: "config", FileEnv: "T_CONFIG", LookupEnv: envOf(env)}
}

func TestLoadPrecedence(t *testing.T) {
	file := writeFile(t, `{"name":"file","count":5,"wait":"1m","on":true,"other-key":"r"}`)
	tests := []struct {
		name string
		args []string
		env  map[string]string
		want func(*testConfig)
	}{
		{name: "defaults", want: func(*testConfig) {}},
		{name: "file over defaults", args: []string{"-config", file},
			want: func(c *testConfig) { c.Name, c.Count, c.Wait, c.On, c.Renamed = "file", 5, time.Minute, true, "r" }},
		{name: "file named by the environment", env: map[string]string{"T_CONFIG": file},
			want: func(c *testConfig) { c.Name, c.Count, c.Wait, c.On, c.Renamed = "file", 5, time.Minute, true, "r" }},
		{name: "the flag names the file over the environment", args: []string{"-config", file}, env: map[string]string{"T_CONFIG": "/nonexistent"},
			want: func(c *testConfig) { c.Name, c.Count, c.Wait, c.On, c.Renamed = "file", 5, time.Minute, true, "r" }},
		{name: "environment over file", args: []string{"-config", file}, env: map[string]string{"T_NAME": "env", "T_ON": "false", "T_WAIT": "2s"},
			want: func(c *testConfig) { c.Name, c.Count, c.Wait, c.On, c.Renamed = "env", 5, 2*time.Second, false, "r" }},
		{name: "flags over environment", args: []string{"-config", file, "-name", "flag", "-on=false", "-count", "7"}, env: map[string]string{"T_NAME": "env", "T_COUNT": "6"},
			want: func(c *testConfig) { c.Name, c.Count, c.Wait, c.On, c.Renamed = "flag", 7, time.Minute, false, "r" }},
		{name: "an empty environment variable is unset", args: []string{"-config", file}, env: map[string]string{"T_NAME": "", "T_COUNT": ""},
			want: func(c *testConfig) { c.Name, c.Count, c.Wait, c.On, c.Renamed = "file", 5, time.Minute, true, "r" }},
		{name: "a flag may set the empty string", args: []string{"-name="},
			want: func(c *testConfig) { c.Name = "" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got testConfig
			if _, err := Load(&got, tt.args, testOptions(tt.env)); err != nil {
				t.Fatal(err)
			}
			want := testDefaults
			tt.want(&want)
			if got != want {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestLoadTypes(t *testing.T) {
	tests := []struct {
		flag, text string
		check      func(c testConfig) bool
		wantErr    string
	}{
		{"name", "x y", func(c testConfig) bool { return c.Name == "x y" }, ""},
		{"on", "true", func(c testConfig) bool { return c.On }, ""},
		{"on", "1", func(c testConfig) bool { return c.On }, ""},
		{"on", "yes", nil, `on "yes" is not true or false`},
		{"count", "-4", func(c testConfig) bool { return c.Count == -4 }, ""},
		{"count", "4.5", nil, `count "4.5" is not a whole number`},
		{"bytes", "1099511627776", func(c testConfig) bool { return c.Bytes == 1<<40 }, ""},
		{"small", "255", func(c testConfig) bool { return c.Small == 255 }, ""},
		{"small", "256", nil, `small "256" is not a whole number from 0 in range`},
		{"small", "-1", nil, `small "-1" is not a whole number from 0`},
		{"ratio", "0.25", func(c testConfig) bool { return c.Ratio == 0.25 }, ""},
		{"ratio", "half", nil, `ratio "half" is not a number`},
		{"wait", "1m30s", func(c testConfig) bool { return c.Wait == 90*time.Second }, ""},
		{"wait", "0", func(c testConfig) bool { return c.Wait == 0 }, ""},
		{"wait", "30", nil, `wait "30" is not a duration such as 500ms, 30s or 2m`},
		{"log-level", "debug", func(c testConfig) bool { return c.Level.Level() == slog.LevelDebug }, ""},
		{"log-level", "warn", func(c testConfig) bool { return c.Level.Level() == slog.LevelWarn }, ""},
		{"log-level", "error", func(c testConfig) bool { return c.Level.Level() == slog.LevelError }, ""},
		{"log-level", "INFO", nil, `log-level "INFO" is not one of debug, info, warn, error`},
	}
	for _, tt := range tests {
		t.Run(tt.flag+"="+tt.text, func(t *testing.T) {
			// The same text from each source gives the same value or the same problem.
			env := "T_" + strings.ToUpper(strings.ReplaceAll(tt.flag, "-", "_"))
			for _, src := range []struct {
				origin string
				args   []string
				env    map[string]string
			}{
				{"from flag -" + tt.flag, []string{"-" + tt.flag + "=" + tt.text}, nil},
				{"from environment " + env, nil, map[string]string{env: tt.text}},
				{`from key "` + tt.flag + `" of config file`, []string{"-config", writeFile(t, `{"`+tt.flag+`":`+quote(tt.text)+`}`)}, nil},
			} {
				var c testConfig
				_, err := Load(&c, src.args, testOptions(src.env))
				if tt.wantErr != "" {
					if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), src.origin) {
						t.Errorf("%s: error %v, want %q %s", src.origin, err, tt.wantErr, src.origin)
					}
					continue
				}
				if err != nil {
					t.Errorf("%s: %v", src.origin, err)
				} else if !tt.check(c) {
					t.Errorf("%s: got %+v", src.origin, c)
				}
			}
		})
	}
}

func quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func TestFileValues(t *testing.T) {
	tests := []struct {
		file    string
		want    func(*testConfig)
		wantErr string
	}{
		{file: `{"count":9,"bytes":"2048"}`, want: func(c *testConfig) { c.Count, c.Bytes = 9, 2048 }},
		{file: `{"name":12}`, want: func(c *testConfig) { c.Name = "12" }},
		{file: `{"on":true}`, want: func(c *testConfig) { c.On = true }},
		{file: `{"on":"true"}`, want: func(c *testConfig) { c.On = true }},
		{file: `{"wait":0}`, want: func(c *testConfig) { c.Wait = 0 }},
		{file: `{"ratio":1e-1}`, want: func(c *testConfig) { c.Ratio = 0.1 }},
		{file: `{"wait":30}`, wantErr: `wait "30" is not a duration`},
		{file: `{"count":1.5}`, wantErr: `count "1.5" is not a whole number`},
		{file: `{"name":["a"]}`, wantErr: `name must be a string, a number or a boolean (from key "name" of config file`},
		{file: `{"name":null}`, want: func(c *testConfig) { c.Name = "" }}, // as both old loaders did
		{file: `{"name":"x","colour":"red","size":1}`, wantErr: `unknown key "colour"`},
		{file: `{"name":"x","colour":"red","size":1}`, wantErr: `unknown key "size"`},
		{file: `{"renamed":"x"}`, wantErr: `unknown key "renamed"`},
		{file: `["name"]`, wantErr: "config file"},
		{file: `{"name":`, wantErr: "config file"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var got testConfig
			_, err := Load(&got, []string{"-config", writeFile(t, tt.file)}, testOptions(nil))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error: got %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := testDefaults
			tt.want(&want)
			if got != want {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
	var c testConfig
	if _, err := Load(&c, []string{"-config", "/nonexistent/config.json"}, testOptions(nil)); err == nil || !strings.Contains(err.Error(), "config file") {
		t.Errorf("missing file: got %v", err)
	}
}

// checked has derived defaults, required settings and its own checks.
type checked struct {
	Org    string        `flag:"org" env:"C_ORG" required:"true" usage:"organisation"`
	Output string        `flag:"output" env:"C_OUTPUT" usage:"output"`
	Copy   string        `flag:"copy" env:"C_COPY" usage:"copy (default: OUTPUT.copy)"`
	Wait   time.Duration `flag:"wait" env:"C_WAIT" default:"1s" usage:"wait"`
	Key    string        `flag:"key" secret:"true" usage:"key"`
}

func (c *checked) Complete() {
	if c.Copy == "" && c.Output != "" {
		c.Copy = c.Output + ".copy"
	}
}

func (c checked) Validate() error {
	var errs []error
	if c.Wait <= 0 {
		errs = append(errs, Invalid("wait", "must be positive"))
	}
	if c.Copy != "" && c.Copy == c.Output {
		errs = append(errs, Invalid("copy", "must differ from output"))
	}
	if c.Key == "bad" {
		errs = append(errs, errors.New("a plain error"))
	}
	return errors.Join(errs...)
}

func TestChecks(t *testing.T) {
	opts := func(env map[string]string) Options {
		return Options{Command: "checked", FileFlag: "config", LookupEnv: envOf(env)}
	}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		file    string
		wantErr []string
	}{
		{name: "required and unset", wantErr: []string{`org is required (set -org, C_ORG or "org" in the config file)`}},
		{name: "from a flag", args: []string{"-org", "a", "-wait", "0s"}, wantErr: []string{"wait must be positive (from flag -wait)"}},
		{name: "from the environment", args: []string{"-org", "a"}, env: map[string]string{"C_WAIT": "-1s"}, wantErr: []string{"wait must be positive (from environment C_WAIT)"}},
		{name: "from the file", file: `{"org":"a","wait":"0s"}`, wantErr: []string{`wait must be positive (from key "wait" of config file `}},
		{name: "a derived value", args: []string{"-org", "a", "-output", "x", "-copy", "x"}, wantErr: []string{"copy must differ from output (from flag -copy)"}},
		{name: "every problem at once", args: []string{"-wait", "0s", "-output", "x", "-copy", "x", "-key", "bad"},
			wantErr: []string{"org is required", "wait must be positive (from flag -wait)", "copy must differ", "a plain error"}},
		{name: "every parse problem at once", args: []string{"-wait", "x"}, env: map[string]string{"C_WAIT": "y"},
			wantErr: []string{`wait "y" is not a duration such as 500ms, 30s or 2m (from environment C_WAIT)`, `wait "x" is not a duration such as 500ms, 30s or 2m (from flag -wait)`}},
		{name: "a stray argument", args: []string{"-org", "a", "extra"}, wantErr: []string{`unexpected argument "extra"`}},
		{name: "an unknown flag", args: []string{"-nope"}, wantErr: []string{"flag provided but not defined: -nope"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := tt.args
			if tt.file != "" {
				args = append([]string{"-config", writeFile(t, tt.file)}, args...)
			}
			var c checked
			_, err := Load(&c, args, opts(tt.env))
			if err == nil {
				t.Fatalf("no error, want %q", tt.wantErr)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
	var c checked
	if _, err := Load(&c, []string{"-org", "a", "-output", "o"}, opts(nil)); err != nil || c.Copy != "o.copy" {
		t.Errorf("derived default: got %+v, %v", c, err)
	}
	var se *SettingError
	_, err := Load(&c, []string{"-org", "a", "-wait", "0s"}, opts(nil))
	if !errors.As(err, &se) || se.Setting != "wait" || se.Origin != "from flag -wait" {
		t.Errorf("SettingError: got %#v", se)
	}
}

func TestSecrets(t *testing.T) {
	var c checked
	_, err := Load(&c, []string{"-org", "a", "-key", "/keys/k.pem"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("start", "config", LogValue(c))
	if got := buf.String(); !strings.Contains(got, `"config":{"org":"a","output":"","copy":"","wait":"1s","key":"***"}`) || strings.Contains(got, "k.pem") {
		t.Errorf("log: %s", got)
	}
	// An unset secret prints as empty: nothing to hide.
	buf.Reset()
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("start", "config", LogValue(&checked{}))
	if !strings.Contains(buf.String(), `"key":""`) {
		t.Errorf("log: %s", buf.String())
	}
	// A secret that fails to parse is not echoed.
	var tc testConfig
	type secretNumber struct {
		Pin int `flag:"pin" env:"PIN" secret:"true"`
	}
	var sn secretNumber
	_, err = Load(&sn, nil, Options{LookupEnv: envOf(map[string]string{"PIN": "12a4"})})
	if err == nil || strings.Contains(err.Error(), "12a4") || !strings.Contains(err.Error(), `pin *** is not a whole number`) {
		t.Errorf("secret parse error: %v", err)
	}
	// Help shows no secret default.
	var help bytes.Buffer
	_, err = Load(&tc, []string{"-h"}, Options{Output: &help})
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("-h: got %v", err)
	}
}

func TestHelp(t *testing.T) {
	var help bytes.Buffer
	var c testConfig
	_, err := Load(&c, []string{"-h"}, Options{Command: "test", Usage: "usage: test [flags]\n", FileFlag: "config", FileEnv: "T_CONFIG", Output: &help})
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("got %v, want flag.ErrHelp", err)
	}
	for _, want := range []string{
		"usage: test [flags]\n", "-config file", "(env T_CONFIG)",
		"-name string\n    \ta string (env T_NAME) (default \"anon\")",
		"-on\n    \ta bool (env T_ON)\n",
		"-wait duration\n    \ta duration (env T_WAIT) (default \"30s\")",
		"-log-level level", "-token string\n    \ta secret (env T_TOKEN)\n",
	} {
		if !strings.Contains(help.String(), want) {
			t.Errorf("help lacks %q:\n%s", want, help.String())
		}
	}
}

func TestRuntimeDefaultsAndArgs(t *testing.T) {
	type withRoot struct {
		Root string `flag:"root" env:"R_ROOT" usage:"root"`
	}
	c := withRoot{Root: "/work"} // a default only known at run time
	rest, err := Load(&c, []string{"status", "-x"}, Options{Args: true})
	if err != nil || c.Root != "/work" || len(rest) != 2 || rest[0] != "status" {
		t.Errorf("got %+v, %q, %v", c, rest, err)
	}
	rest, err = Load(&c, []string{"-root", "/r", "up"}, Options{Args: true, LookupEnv: envOf(map[string]string{"R_ROOT": "/env"})})
	if err != nil || c.Root != "/r" || len(rest) != 1 {
		t.Errorf("got %+v, %q, %v", c, rest, err)
	}
}

func TestDescribe(t *testing.T) {
	got := Describe(&testConfig{})
	if len(got) != 10 {
		t.Fatalf("got %d settings, want 10 (Plain is not one)", len(got))
	}
	want := Setting{Field: "Token", Flag: "token", Env: "T_TOKEN", Key: "token", Usage: "a secret", Type: "string", Secret: true}
	if got[8] != want {
		t.Errorf("got %+v\nwant %+v", got[8], want)
	}
	if got[9].Key != "other-key" || got[6].Default != "30s" || got[6].Type != "duration" || got[7].Type != "level" {
		t.Errorf("got %+v", got)
	}
}

func TestBadStructsPanic(t *testing.T) {
	for name, cfg := range map[string]any{
		"not a pointer": testConfig{},
		"unsupported type": &struct {
			M map[string]string `flag:"m"`
		}{},
		"repeated flag": &struct {
			A string `flag:"a"`
			B string `flag:"a"`
		}{},
		"bad default": &struct {
			D time.Duration `flag:"d" default:"soon"`
		}{},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			_, _ = Load(cfg, nil, Options{})
		})
	}
}

func TestCheckDoc(t *testing.T) {
	doc := []byte("# Configuration\n\n## test\n\nIntro.\n\n" +
		"| flag | environment variable | default | meaning |\n|---|---|---|---|\n" +
		"| `-config` | `T_CONFIG` | none | file |\n" +
		"| `-org` | `C_ORG` | required | org |\n" +
		"| `-output` | `C_OUTPUT` | none | out |\n" +
		"| `-copy` | `C_COPY` | OUTPUT.copy | copy |\n" +
		"| `-wait` | `C_WAIT` | `1s` | wait |\n" +
		"| `-key` | none | none | key |\n\n## other\n\n| flag | default |\n|---|---|\n| `-x` | 1 |\n")
	opts := Options{FileFlag: "config", FileEnv: "T_CONFIG"}
	if err := CheckDoc(doc, "## test", opts, Describe(checked{})); err != nil {
		t.Errorf("matching table: %v", err)
	}
	if err := CheckDoc(bytes.Replace(doc, []byte("`1s`"), []byte("`2s`"), 1), "## test", opts, Describe(checked{})); err == nil || !strings.Contains(err.Error(), `-wait: documented default " `+"`2s`"+` ", the code's is "1s"`) {
		t.Errorf("wrong default: got %v", err)
	}
	bad := bytes.Replace(doc, []byte("`C_WAIT`"), []byte("`C_WAITING`"), 1)
	bad = bytes.Replace(bad, []byte("| `-copy` | `C_COPY` | OUTPUT.copy | copy |\n"), []byte("| `-extra` | `C_EXTRA` | none | extra |\n"), 1)
	err := CheckDoc(bad, "## test", opts, Describe(checked{}))
	for _, want := range []string{`-wait: documented environment variable "C_WAITING", the code reads "C_WAIT"`, "-copy is not documented", "documents -extra"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	type x struct {
		X string `flag:"x"`
	}
	if err := CheckDoc(doc, "## other", Options{}, Describe(x{})); err != nil {
		t.Errorf("table without environment column: %v", err)
	}
	if err := CheckDoc(doc, "## missing", Options{}, nil); err == nil {
		t.Error("missing heading: no error")
	}
}

func TestExitCode(t *testing.T) {
	var w bytes.Buffer
	if code := ExitCode(flag.ErrHelp, &w, "cmd"); code != 0 || w.Len() != 0 {
		t.Errorf("help: got %d %q", code, w.String())
	}
	if code := ExitCode(Invalid("org", "is required"), &w, "cmd"); code != 2 || w.String() != "cmd: org is required\n" {
		t.Errorf("error: got %d %q", code, w.String())
	}
}
