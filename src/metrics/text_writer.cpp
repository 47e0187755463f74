#include "metrics/text_writer.hpp"

#include <charconv>
#include <cmath>
#include <stdexcept>

namespace latchkey::metrics {

namespace {

void check_name(std::string_view name, bool label) {
  if (!valid_name(name, label))
    throw std::logic_error("invalid metric " + std::string(label ? "label " : "") + "name '" +
                           std::string(name) + "'");
}

// Label values: backslash, double quote and line feed are escaped.
void append_label_value(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out.push_back(c);
    }
  }
}

// Help texts: backslash and line feed are escaped.
void append_help(std::string& out, std::string_view v) {
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
}

void append_label(std::string& out, const Label& l, bool& first) {
  check_name(l.first, true);
  out += first ? '{' : ',';
  first = false;
  out += l.first;
  out += "=\"";
  append_label_value(out, l.second);
  out += '"';
}

}  // namespace

bool valid_name(std::string_view name, bool label) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!label && c == ':');
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return !(label && name.starts_with("__"));  // reserved for Prometheus itself
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc{} ? std::string(buf, end) : "NaN";
}

void TextWriter::family(std::string_view name, std::string_view type, std::string_view help) {
  check_name(name, false);
  if (type != "counter" && type != "gauge" && type != "histogram")
    throw std::logic_error("unsupported metric type '" + std::string(type) + "'");
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  append_help(out_, help);
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void TextWriter::series(std::string_view name, Labels labels, const Label* extra) {
  check_name(name, false);
  out_ += name;
  bool first = true;
  for (const Label& l : labels) append_label(out_, l, first);
  if (extra) append_label(out_, *extra, first);
  if (!first) out_ += '}';
  out_ += ' ';
}

void TextWriter::sample(std::string_view name, Labels labels, double value) {
  series(name, labels, nullptr);
  out_ += format_value(value);
  out_ += '\n';
}

void TextWriter::sample(std::string_view name, Labels labels, std::int64_t value) {
  series(name, labels, nullptr);
  out_ += std::to_string(value);
  out_ += '\n';
}

void TextWriter::sample(std::string_view name, Labels labels, std::uint64_t value) {
  series(name, labels, nullptr);
  out_ += std::to_string(value);
  out_ += '\n';
}

void TextWriter::histogram(std::string_view name, Labels labels, std::span<const std::uint64_t> bounds,
                           std::span<const std::uint64_t> cumulative, std::uint64_t sum, double divisor) {
  if (cumulative.size() != bounds.size() + 1)
    throw std::logic_error("histogram needs one count per bound plus +Inf");
  const std::string base(name);
  const std::string bucket = base + "_bucket";
  for (std::size_t i = 0; i <= bounds.size(); ++i) {
    const std::string le = i < bounds.size() ? format_value(static_cast<double>(bounds[i]) / divisor) : "+Inf";
    const Label extra{"le", le};
    series(bucket, labels, &extra);
    out_ += std::to_string(cumulative[i]);
    out_ += '\n';
  }
  sample(base + "_sum", labels, static_cast<double>(sum) / divisor);
  sample(base + "_count", labels, cumulative.back());
}

}  // namespace latchkey::metrics
