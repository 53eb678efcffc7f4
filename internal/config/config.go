// Package config loads a command's configuration into one struct, the same
// way for every grantledger command. Each source overrides the one before:
//
//  1. defaults: the field's `default` tag, else the value the field holds
//     when Load is called (for defaults only known at run time);
//  2. the JSON config file, when the command has one (Options.FileFlag,
//     Options.FileEnv): one object whose keys are the settings' `key` tags
//     (the flag name unless given); an unknown key is an error;
//  3. the environment: the setting's `env` tag; a variable set to the empty
//     string counts as unset;
//  4. the flags: the setting's `flag` tag.
//
// A setting is an exported field with a `flag` tag:
//
//	type Config struct {
//		Org     string        `flag:"org" env:"X_ORG" required:"true" usage:"organisation"`
//		Timeout time.Duration `flag:"timeout" env:"X_TIMEOUT" default:"30s" usage:"deadline"`
//		Key     string        `flag:"key" env:"X_KEY" secret:"true" usage:"private key file"`
//	}
//
// Field types: string, bool, every int and uint type, float64,
// time.Duration, and any type whose pointer implements
// encoding.TextUnmarshaler (such as Level). Every source gives a setting as
// text, parsed the same way: durations are Go durations ("500ms", "30s",
// "2m"; a bare number is refused but for 0), integers decimal, booleans as
// strconv.ParseBool. In the file a value may be a JSON string, or a JSON
// number or boolean, which stands for its literal text: "max-body-bytes":
// 4096 and "max-body-bytes": "4096" are the same, and a duration needs its
// unit either way.
//
// After the sources, Load fills derived defaults (Completer), checks the
// `required` settings and calls Validate (Validator). Errors about one
// setting (SettingError, made by Invalid) name the setting and where its
// value came from. Secret settings (`secret:"true"`) print as "***" in
// LogValue and in errors.
package config

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Redacted is how a secret setting's value is printed.
const Redacted = "***"

// Source is where a setting's value came from.
type Source int

// The sources, in rising precedence.
const (
	Default Source = iota
	File
	Env
	Flag
)

func (s Source) String() string {
	return [...]string{"default", "config file", "environment", "flag"}[s]
}

// Setting describes one setting of a configuration struct, as its tags
// say.
type Setting struct {
	Field    string // Go field name
	Flag     string // flag name, without '-'
	Env      string // environment variable; empty: none
	Key      string // key in the config file
	Default  string // text of the default; empty: none
	Usage    string
	Type     string // "string", "bool", "int", "duration", …
	Secret   bool
	Required bool
}

// Options say how a command takes its configuration.
type Options struct {
	// Command names the command in errors and help ("grantledger-api serve").
	Command string
	// Usage is printed by -h before the flags.
	Usage string
	// FileFlag is the flag naming the JSON config file ("config"), FileEnv
	// the environment variable naming it; both empty: no config file.
	FileFlag, FileEnv string
	// Args allows positional arguments after the flags (returned by Load);
	// without it, one is an error.
	Args bool
	// LookupEnv reads the environment (os.LookupEnv); nil: no environment.
	LookupEnv func(string) (string, bool)
	// Output receives help and flag errors; nil: io.Discard.
	Output io.Writer
}

// Completer is implemented by configurations with defaults derived from
// other settings (OUTPUT.checkpoint). Load calls Complete after the last
// source, before the checks.
type Completer interface{ Complete() }

// Validator is implemented by configurations that check themselves. Load
// calls Validate last; errors made by Invalid (alone or in errors.Join) get
// the source of their setting.
type Validator interface{ Validate() error }

// SettingError is a problem with one setting.
type SettingError struct {
	Setting string // flag name
	Problem string // "must be positive", `"8080" is not host:port`
	Origin  string // where the value came from; Load fills it in
}

func (e *SettingError) Error() string {
	if e.Origin == "" {
		return e.Setting + " " + e.Problem
	}
	return e.Setting + " " + e.Problem + " (" + e.Origin + ")"
}

// Invalid returns an error about the setting whose flag name is setting.
func Invalid(setting, format string, args ...any) error {
	return &SettingError{Setting: setting, Problem: fmt.Sprintf(format, args...)}
}

// field is one setting bound to a field of the struct being loaded.
type field struct {
	Setting
	value  reflect.Value
	source Source
	origin string // "flag -org", "environment GRANTLEDGER_API_ORG", `key "org" of config file F`
}

// Describe lists the settings of the configuration struct cfg (a struct or
// a pointer to one), in field order. It panics on a malformed struct: the
// tags are code.
func Describe(cfg any) []Setting {
	v := reflect.ValueOf(cfg)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	fields := bind(reflect.New(v.Type()).Elem())
	out := make([]Setting, len(fields))
	for i, f := range fields {
		out[i] = f.Setting
	}
	return out
}

// bind lists the settings of the struct v.
func bind(v reflect.Value) []*field {
	t := v.Type()
	if t.Kind() != reflect.Struct {
		panic(fmt.Sprintf("config: %s is not a struct", t))
	}
	var fields []*field
	seen := map[string]bool{}
	for i := range t.NumField() {
		sf := t.Field(i)
		name, ok := sf.Tag.Lookup("flag")
		if !ok || !sf.IsExported() {
			continue
		}
		typ, ok := typeName(v.Field(i))
		if !ok {
			panic(fmt.Sprintf("config: field %s.%s: unsupported type %s", t, sf.Name, sf.Type))
		}
		s := Setting{
			Field: sf.Name, Flag: name, Env: sf.Tag.Get("env"), Key: sf.Tag.Get("key"),
			Default: sf.Tag.Get("default"), Usage: sf.Tag.Get("usage"), Type: typ,
			Secret: sf.Tag.Get("secret") == "true", Required: sf.Tag.Get("required") == "true",
		}
		if s.Key == "" {
			s.Key = s.Flag
		}
		if name == "" || seen[name] {
			panic(fmt.Sprintf("config: field %s.%s: empty or repeated flag name %q", t, sf.Name, name))
		}
		seen[name] = true
		fields = append(fields, &field{Setting: s, value: v.Field(i)})
	}
	return fields
}

var (
	durationType    = reflect.TypeFor[time.Duration]()
	unmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// typeName names the type of a setting in help, or says it is not one.
func typeName(v reflect.Value) (string, bool) {
	if v.Type() == durationType {
		return "duration", true
	}
	if reflect.PointerTo(v.Type()).Implements(unmarshalerType) {
		return strings.ToLower(v.Type().Name()), true
	}
	switch v.Kind() {
	case reflect.String, reflect.Bool, reflect.Float64:
		return v.Kind().String(), true
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "int", true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "uint", true
	}
	return "", false
}

// set parses text into the field.
func (f *field) set(text string) error {
	v := f.value
	if u, ok := v.Addr().Interface().(encoding.TextUnmarshaler); ok {
		return u.UnmarshalText([]byte(text))
	}
	if v.Type() == durationType {
		d, err := time.ParseDuration(text)
		if err != nil {
			return errors.New("is not a duration such as 500ms, 30s or 2m")
		}
		v.SetInt(int64(d))
		return nil
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(text)
	case reflect.Bool:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return errors.New("is not true or false")
		}
		v.SetBool(b)
	case reflect.Float64:
		x, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return errors.New("is not a number")
		}
		v.SetFloat(x)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, err := strconv.ParseInt(text, 10, v.Type().Bits())
		if err != nil {
			return errors.New("is not a whole number in range")
		}
		v.SetInt(n)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, err := strconv.ParseUint(text, 10, v.Type().Bits())
		if err != nil {
			return errors.New("is not a whole number from 0 in range")
		}
		v.SetUint(n)
	}
	return nil
}

// text prints the field's value as its sources would give it.
func text(v reflect.Value) string {
	if m, ok := v.Interface().(encoding.TextMarshaler); ok {
		b, err := m.MarshalText()
		if err != nil {
			return fmt.Sprint(v.Interface())
		}
		return string(b)
	}
	if v.Type() == durationType {
		return time.Duration(v.Int()).String()
	}
	return fmt.Sprint(v.Interface())
}

// shown is the field's value as logs and errors may show it.
func (f *field) shown() string {
	t := text(f.value)
	if f.Secret && !f.value.IsZero() {
		return Redacted
	}
	return t
}

// apply parses text from a source into the field and records the source.
func (f *field) apply(text string, src Source, origin string) error {
	if err := f.set(text); err != nil {
		shown := strconv.Quote(text)
		if f.Secret {
			shown = Redacted
		}
		return &SettingError{Setting: f.Flag, Problem: shown + " " + err.Error(), Origin: "from " + origin}
	}
	f.source, f.origin = src, origin
	return nil
}

// flagValue records a flag's text; Load applies it after the file and the
// environment.
type flagValue struct {
	isBool bool
	text   *string
}

func (v flagValue) String() string {
	if v.text == nil {
		return ""
	}
	return *v.text
}

func (v flagValue) Set(s string) error { *v.text = s; return nil }
func (v flagValue) IsBoolFlag() bool   { return v.isBool }

// Load fills cfg, a pointer to a configuration struct, from its sources
// and checks it. args are the command-line arguments after the command
// name; Load returns the positional ones (Options.Args). With -h it
// returns flag.ErrHelp after printing the help.
func Load(cfg any, args []string, opts Options) ([]string, error) {
	v := reflect.ValueOf(cfg)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("config: Load needs a pointer to a struct, got %T", cfg))
	}
	fields := bind(v.Elem())
	out := opts.Output
	if out == nil {
		out = io.Discard
	}
	lookup := opts.LookupEnv
	if lookup == nil {
		lookup = func(string) (string, bool) { return "", false }
	}
	env := func(name string) (string, bool) {
		if name == "" {
			return "", false
		}
		s, ok := lookup(name)
		return s, ok && s != ""
	}

	// 1. Defaults.
	var errs []error
	for _, f := range fields {
		if f.Default != "" {
			errs = append(errs, f.apply(f.Default, Default, "default"))
		}
		f.source, f.origin = Default, ""
		f.Default = text(f.value)
	}
	if err := errors.Join(errs...); err != nil {
		panic(fmt.Sprintf("config: bad default tag: %v", err))
	}
	errs = nil

	// Flags are parsed first (they may name the config file) and applied last.
	fs := flag.NewFlagSet(opts.Command, flag.ContinueOnError)
	fs.SetOutput(out)
	var file string
	if opts.FileFlag != "" {
		fs.StringVar(&file, opts.FileFlag, "", "")
	}
	flagText := make([]string, len(fields))
	for i, f := range fields {
		fs.Var(flagValue{isBool: f.Type == "bool", text: &flagText[i]}, f.Flag, f.Usage)
	}
	fs.Usage = func() { printHelp(out, opts, fields) }
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if !opts.Args && fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}

	// 2. The config file.
	if file == "" {
		file, _ = env(opts.FileEnv)
	}
	if file != "" {
		if err := applyFile(fields, file); err != nil {
			return nil, err
		}
	}
	// 3. The environment.
	for _, f := range fields {
		if s, ok := env(f.Env); ok {
			errs = append(errs, f.apply(s, Env, "environment "+f.Env))
		}
	}
	// 4. The flags.
	fs.Visit(func(fl *flag.Flag) {
		for i, f := range fields {
			if f.Flag == fl.Name {
				errs = append(errs, f.apply(flagText[i], Flag, "flag -"+f.Flag))
			}
		}
	})
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	if c, ok := cfg.(Completer); ok {
		c.Complete()
	}
	for _, f := range fields {
		if f.Required && f.value.IsZero() {
			errs = append(errs, &SettingError{Setting: f.Flag, Problem: "is required", Origin: "set " + f.names(opts)})
		}
	}
	if c, ok := cfg.(Validator); ok {
		if err := c.Validate(); err != nil {
			annotate(err, fields, opts)
			errs = append(errs, err)
		}
	}
	return fs.Args(), errors.Join(errs...)
}

// names lists how the field can be set: "-org, GRANTLEDGER_API_ORG or key
// "org" of the config file".
func (f *field) names(opts Options) string {
	ways := []string{"-" + f.Flag}
	if f.Env != "" {
		ways = append(ways, f.Env)
	}
	if opts.FileFlag != "" || opts.FileEnv != "" {
		ways = append(ways, strconv.Quote(f.Key)+" in the config file")
	}
	if len(ways) == 1 {
		return ways[0]
	}
	return strings.Join(ways[:len(ways)-1], ", ") + " or " + ways[len(ways)-1]
}

// annotate fills in the origin of every SettingError in err's tree.
func annotate(err error, fields []*field, opts Options) {
	var se *SettingError
	switch e := err.(type) {
	case interface{ Unwrap() []error }:
		for _, err := range e.Unwrap() {
			annotate(err, fields, opts)
		}
		return
	case interface{ Unwrap() error }:
		annotate(e.Unwrap(), fields, opts)
		return
	case *SettingError:
		se = e
	default:
		return
	}
	if se.Origin != "" {
		return
	}
	for _, f := range fields {
		if f.Flag != se.Setting {
			continue
		}
		switch {
		case f.source != Default:
			se.Origin = "from " + f.origin
		case f.value.IsZero():
			se.Origin = "unset: set " + f.names(opts)
		default:
			se.Origin = "the default; set " + f.names(opts)
		}
	}
}

// applyFile sets the settings a JSON config file names. Keys are applied
// in sorted order and every problem is reported.
func applyFile(fields []*field, path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	var values map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&values); err != nil {
		return fmt.Errorf("config file %s: %w", path, err)
	}
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var errs []error
	for _, k := range keys {
		f := fieldByKey(fields, k)
		if f == nil {
			errs = append(errs, fmt.Errorf("config file %s: unknown key %q", path, k))
			continue
		}
		origin := fmt.Sprintf("key %q of config file %s", k, path)
		text, ok := scalar(values[k])
		if !ok {
			errs = append(errs, &SettingError{Setting: f.Flag, Problem: "must be a string, a number or a boolean", Origin: "from " + origin})
			continue
		}
		errs = append(errs, f.apply(text, File, origin))
	}
	return errors.Join(errs...)
}

func fieldByKey(fields []*field, key string) *field {
	for _, f := range fields {
		if f.Key == key {
			return f
		}
	}
	return nil
}

// scalar returns the text a JSON string, number or boolean stands for
// (null stands for the empty string, as it did before this package).
func scalar(raw json.RawMessage) (string, bool) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s, true
	}
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		return n.String(), true
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		return strconv.FormatBool(b), true
	}
	return "", false
}

// printHelp prints the usage and every flag with its environment variable
// and default.
func printHelp(w io.Writer, opts Options, fields []*field) {
	fmt.Fprint(w, opts.Usage)
	if len(fields) > 0 || opts.FileFlag != "" {
		fmt.Fprint(w, "\nFlags:\n")
	}
	if opts.FileFlag != "" {
		line := "  -" + opts.FileFlag + " file\n    \tJSON config file whose keys are the flag names"
		if opts.FileEnv != "" {
			line += " (env " + opts.FileEnv + ")"
		}
		fmt.Fprintln(w, line)
	}
	for _, f := range fields {
		line := "  -" + f.Flag
		if f.Type != "bool" {
			line += " " + f.Type
		}
		line += "\n    \t" + f.Usage
		if f.Env != "" {
			line += " (env " + f.Env + ")"
		}
		if f.Default != "" && f.Default != "0" && f.Default != "false" && !f.Secret {
			line += fmt.Sprintf(" (default %q)", f.Default)
		}
		fmt.Fprintln(w, line)
	}
}

// LogValue prints a loaded configuration struct (or a pointer to one) as
// one slog group: each setting under its flag name, as text, secret ones
// that are set as "***". A Config's own LogValue method returns it.
func LogValue(cfg any) slog.Value {
	v := reflect.ValueOf(cfg)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	// Settings bind to addressable fields; copy the struct to get them.
	c := reflect.New(v.Type()).Elem()
	c.Set(v)
	fields := bind(c)
	attrs := make([]slog.Attr, len(fields))
	for i, f := range fields {
		attrs[i] = slog.String(f.Flag, f.shown())
	}
	return slog.GroupValue(attrs...)
}

// ExitCode turns a Load error into a command's exit status: 0 for -h
// (flag.ErrHelp; the help is printed), else 2 after printing
// "command: error" to w.
func ExitCode(err error, w io.Writer, command string) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(w, "%s: %v\n", command, err)
	return 2
}
