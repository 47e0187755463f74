#include "web/templates.hpp"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <utility>

#include "crypto/base64url.hpp"
#include "crypto/digest.hpp"
#include "web/builtin_files.hpp"

namespace latchkey::web {

Values& Values::text(std::string_view name, std::string_view value) {
  entries_.push_back({name, value, false});
  return *this;
}

Values& Values::html(std::string_view name, const Html& value) {
  entries_.push_back({name, value.str(), true});
  return *this;
}

const Values::Entry* Values::find(std::string_view name) const {
  // The last one set wins, as an assignment would.
  for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
    if (it->name == name) return &*it;
  }
  return nullptr;
}

void append_escaped(std::string& out, std::string_view text) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    std::string_view ref;
    switch (text[i]) {
      case '&': ref = "&amp;"; break;
      case '<': ref = "&lt;"; break;
      case '>': ref = "&gt;"; break;
      case '"': ref = "&quot;"; break;
      case '\'': ref = "&#39;"; break;
      default: continue;
    }
    out.append(text, start, i - start);
    out.append(ref);
    start = i + 1;
  }
  out.append(text, start);
}

namespace {

constexpr std::size_t kMaxName = 64;
// Offsets are 32-bit; a template this big is a mistake anyway.
constexpr std::size_t kMaxTemplate = std::size_t{1} << 20;

bool valid_name(std::string_view name) {
  return !name.empty() && name.size() <= kMaxName && std::ranges::all_of(name, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

}  // namespace

tl::expected<Template, std::string> Template::parse(std::string text) {
  if (text.size() > kMaxTemplate) return tl::unexpected(std::string("larger than 1 MiB"));
  Template t;
  t.source_ = std::move(text);
  const std::string_view src = t.source_;
  auto fail = [&](std::size_t at, std::string_view why) -> tl::unexpected<std::string> {
    const auto line = 1 + std::count(src.begin(), src.begin() + static_cast<std::ptrdiff_t>(at), '\n');
    return tl::unexpected("line " + std::to_string(line) + ": " + std::string(why));
  };
  auto name_index = [&](std::string_view name) {
    const auto it = std::ranges::find(t.names_, name);
    if (it != t.names_.end()) return static_cast<std::uint32_t>(it - t.names_.begin());
    t.names_.emplace_back(name);
    return static_cast<std::uint32_t>(t.names_.size() - 1);
  };
  struct Open {
    std::size_t op;   // the section's index in ops_
    std::size_t tag;  // where its tag is in src, for the error
  };
  std::vector<Open> open;  // the sections not yet closed, innermost last

  std::size_t pos = 0;
  while (pos < src.size()) {
    const std::size_t tag = src.find("{{", pos);
    const std::size_t text_end = tag == std::string_view::npos ? src.size() : tag;
    if (text_end > pos) {
      t.ops_.push_back({Kind::text, 0, static_cast<std::uint32_t>(pos), static_cast<std::uint32_t>(text_end - pos)});
    }
    if (tag == std::string_view::npos) break;

    const bool raw = src.substr(tag, 3) == "{{{";
    const std::string_view close = raw ? "}}}" : "}}";
    const std::size_t inner = tag + (raw ? 3 : 2);
    const std::size_t end = src.find(close, inner);
    // The tag's text ends at the first '}' or line end: a stray "{{" in
    // prose is an error, not a tag that swallows the next lines.
    if (end == std::string_view::npos ||
        src.substr(inner, end - inner).find_first_of("{}\n") != std::string_view::npos) {
      return fail(tag, raw ? "\"{{{\" without its \"}}}\"" : "\"{{\" without its \"}}\"");
    }
    std::string_view body = src.substr(inner, end - inner);
    pos = end + close.size();

    char sigil = 0;
    if (!raw && !body.empty() && (body[0] == '#' || body[0] == '^' || body[0] == '/')) {
      sigil = body[0];
      body.remove_prefix(1);
    }
    if (!valid_name(body)) {
      return fail(tag, "bad name \"" + std::string(body.substr(0, kMaxName)) + "\" (1 to 64 of A-Z a-z 0-9 _)");
    }

    if (sigil == '/') {
      if (open.empty() || t.names_[t.ops_[open.back().op].name] != body) {
        return fail(tag, "{{/" + std::string(body) + "}} closes no open section of that name");
      }
      t.ops_[open.back().op].offset = static_cast<std::uint32_t>(t.ops_.size());
      open.pop_back();
      continue;
    }
    const Kind kind = raw ? Kind::raw : sigil == '#' ? Kind::section : sigil == '^' ? Kind::inverted : Kind::escaped;
    if (kind == Kind::section || kind == Kind::inverted) open.push_back({t.ops_.size(), tag});
    t.ops_.push_back({kind, name_index(body), 0, 0});
  }
  if (!open.empty()) {
    return fail(open.back().tag, "section \"" + t.names_[t.ops_[open.back().op].name] + "\" is never closed");
  }
  return t;
}

void Template::render_to(const Values& values, std::string& out) const { render(values, out, true); }

std::string Template::render_text(const Values& values) const {
  std::string out;
  render(values, out, false);
  return out;
}

void Template::render(const Values& values, std::string& out, bool escape) const {
  std::size_t i = 0;
  while (i < ops_.size()) {
    const Op& op = ops_[i];
    if (op.kind == Kind::text) {
      out.append(source_, op.offset, op.size);
      ++i;
      continue;
    }
    const Values::Entry* v = values.find(names_[op.name]);
    switch (op.kind) {
      case Kind::escaped:
      case Kind::raw:
        if (v != nullptr) {
          if (!escape || (op.kind == Kind::raw && v->is_html)) {
            out.append(v->value);
          } else {
            append_escaped(out, v->value);
          }
        }
        ++i;
        break;
      case Kind::section:
      case Kind::inverted: {
        const bool on = v != nullptr && !v->value.empty();
        i = on == (op.kind == Kind::section) ? i + 1 : op.offset;
        break;
      }
      case Kind::text: break;  // handled above
    }
  }
}

Html Template::render(const Values& values) const {
  std::string out;
  out.reserve(source_.size() + source_.size() / 2);
  render_to(values, out);
  return Html(std::move(out));
}

namespace {

constexpr std::string_view kCss = "style.css";

tl::expected<std::string, std::string> read_file(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec) return tl::unexpected(path.string() + ": " + ec.message());
  if (size > kMaxTemplate) return tl::unexpected(path.string() + ": larger than 1 MiB");
  std::ifstream in(path, std::ios::binary);
  std::string text(std::istreambuf_iterator<char>(in), {});
  if (!in.is_open() || in.bad()) return tl::unexpected(path.string() + ": cannot be read");
  return text;
}

// base64url to base64 with its padding, as CSP hash sources are written.
std::string base64_from_base64url(std::string text) {
  std::ranges::replace(text, '-', '+');
  std::ranges::replace(text, '_', '/');
  text.append((4 - text.size() % 4) % 4, '=');
  return text;
}

}  // namespace

tl::expected<Templates, std::string> Templates::load(std::optional<std::filesystem::path> dir) {
  if (dir) {
    std::error_code ec;
    if (!std::filesystem::is_directory(*dir, ec)) {
      return tl::unexpected("theme directory " + dir->string() + ": not a directory");
    }
  }
  Templates out;
  for (const BuiltinFile& file : kBuiltinFiles) {
    std::string text(file.text);
    std::string origin = "built-in " + std::string(file.name);
    if (dir) {
      const std::filesystem::path path = *dir / file.name;
      std::error_code ec;
      if (std::filesystem::exists(path, ec)) {
        auto read = read_file(path);
        if (!read) return tl::unexpected(read.error());
        text = std::move(*read);
        origin = path.string();
      }
    }
    if (file.name == kCss) {
      out.css_ = std::move(text);
      continue;
    }
    auto parsed = Template::parse(std::move(text));
    if (!parsed) return tl::unexpected(origin + ": " + parsed.error());
    out.templates_.emplace(file.name, std::move(*parsed));
  }
  const std::string digest = crypto::sha256(out.css_);
  out.css_version_ = crypto::base64url_encode(digest);
  out.css_hash_source_ = "sha256-" + base64_from_base64url(out.css_version_);
  out.script_ = out.at("passkey.js").render(Values{});
  out.script_hash_source_ =
      "sha256-" + base64_from_base64url(crypto::base64url_encode(crypto::sha256(out.script_.str())));
  return out;
}

const Template& Templates::at(std::string_view name) const {
  const auto it = templates_.find(name);
  if (it == templates_.end()) throw std::out_of_range("no template " + std::string(name));
  return it->second;
}

}  // namespace latchkey::web
