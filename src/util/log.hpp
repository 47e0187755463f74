#pragma once
// Structured logging to stderr: one JSON object per line (default when stderr
// is not a terminal) or readable text. Callers pass fields, never secrets:
// no password, token or key is ever given to the logger.
#include <chrono>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <span>
#include <string_view>
#include <utility>
#include <variant>

namespace latchkey::log {

enum class Level { debug, info, warn, error };
enum class Format { json, text };

using Value = std::variant<std::string_view, std::int64_t, double, bool>;
using Field = std::pair<std::string_view, Value>;

void set_format(Format f);
void set_level(Level l);
bool enabled(Level l);

void write(Level l, std::string_view event, std::initializer_list<Field> fields = {});
// The same, for a line whose fields are known only at run time.
void write(Level l, std::string_view event, std::span<const Field> fields);

// Buffered mode, for a busy server: debug and info lines are written in
// batches, at most `interval` late (or once 64 KiB are waiting), instead of one
// write(2) per line; warnings and errors still go out at once. Until
// start_buffering() and after stop_buffering() (which flushes), every line is
// written as it comes.
void start_buffering(std::chrono::milliseconds interval);
void stop_buffering();

// Logs an exception that escaped a coroutine (a bug) under `event`; no-op
// for a null pointer. Use as the body of co_spawn completion handlers.
void exception(std::string_view event, std::exception_ptr e);

inline void debug(std::string_view e, std::initializer_list<Field> f = {}) { write(Level::debug, e, f); }
inline void info(std::string_view e, std::initializer_list<Field> f = {}) { write(Level::info, e, f); }
inline void warn(std::string_view e, std::initializer_list<Field> f = {}) { write(Level::warn, e, f); }
inline void error(std::string_view e, std::initializer_list<Field> f = {}) { write(Level::error, e, f); }

}  // namespace latchkey::log
