package config

import (
	"fmt"
	"log/slog"
)

// Level is a log level setting: debug, info, warn or error, exactly these
// words.
type Level slog.Level

// UnmarshalText implements encoding.TextUnmarshaler.
func (l *Level) UnmarshalText(b []byte) error {
	switch string(b) {
	case "debug":
		*l = Level(slog.LevelDebug)
	case "info":
		*l = Level(slog.LevelInfo)
	case "warn":
		*l = Level(slog.LevelWarn)
	case "error":
		*l = Level(slog.LevelError)
	default:
		return fmt.Errorf("is not one of debug, info, warn, error")
	}
	return nil
}

// MarshalText implements encoding.TextMarshaler: the word UnmarshalText
// reads.
func (l Level) MarshalText() ([]byte, error) {
	switch slog.Level(l) {
	case slog.LevelDebug:
		return []byte("debug"), nil
	case slog.LevelInfo:
		return []byte("info"), nil
	case slog.LevelWarn:
		return []byte("warn"), nil
	case slog.LevelError:
		return []byte("error"), nil
	}
	return []byte(slog.Level(l).String()), nil
}

// Level implements slog.Leveler.
func (l Level) Level() slog.Level { return slog.Level(l) }
