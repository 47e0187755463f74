#pragma once
// The web pages' templates: a tiny logic-less language, parsed once at start
// into a flat list of operations, rendered per request without recursion.
//
//   {{name}}               the value, HTML-escaped (& < > " ')
//   {{{name}}}             the value unescaped, if it is Html (our own rendered
//                          output, see Html); any other value is escaped here too
//   {{#name}}...{{/name}}  shown when the value is non-empty (a true flag)
//   {{^name}}...{{/name}}  shown when it is empty, false or missing
//
// Nothing else: no loops, partials, comments or escapes (write &#123; for a
// literal '{'). A name is 1 to 64 of [A-Za-z0-9_], no spaces. A missing value
// renders empty. Sections nest; every one must be closed by its own name.
// A list is rendered item by item with a template of its own and inserted
// with {{{name}}} (pages.cpp does so for scopes and hidden fields).
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <tl/expected.hpp>

namespace latchkey::web {

// HTML that our templates produced: the only thing {{{name}}} writes
// unescaped. Only Template makes one, from a template and escaped values,
// so no request data can reach a page unescaped through it.
class Html {
 public:
  Html() = default;
  const std::string& str() const { return text_; }
  std::string release() && { return std::move(text_); }
  // Two pieces of safe HTML in a row are safe HTML (list items).
  Html& operator+=(const Html& more) {
    text_ += more.text_;
    return *this;
  }

 private:
  friend class Template;
  explicit Html(std::string text) : text_(std::move(text)) {}
  std::string text_;
};

// The values of one render: views into the caller's strings, which must
// outlive the render call. A few per page: looked up by a linear scan.
class Values {
 public:
  Values& text(std::string_view name, std::string_view value);
  Values& flag(std::string_view name, bool on) { return text(name, on ? "1" : ""); }
  Values& html(std::string_view name, const Html& value);

 private:
  friend class Template;
  struct Entry {
    std::string_view name;
    std::string_view value;
    bool is_html;
  };
  const Entry* find(std::string_view name) const;
  std::vector<Entry> entries_;
};

// Appends `text` to `out` with & < > " ' as character references: safe in
// element content and in a double- or single-quoted attribute value.
void append_escaped(std::string& out, std::string_view text);

class Template {
 public:
  // The reason is one line, "line N: ...".
  static tl::expected<Template, std::string> parse(std::string text);

  void render_to(const Values& values, std::string& out) const;
  Html render(const Values& values) const;
  // For text that is not HTML (a text/plain mail): every value as it is.
  std::string render_text(const Values& values) const;

 private:
  enum class Kind : std::uint8_t { text, escaped, raw, section, inverted };
  struct Op {
    Kind kind;
    std::uint32_t name;    // index in names_ (not for text)
    std::uint32_t offset;  // text: where in source_; section: the op after its end
    std::uint32_t size;    // text: how many bytes
  };
  Template() = default;
  void render(const Values& values, std::string& out, bool escape) const;
  std::string source_;
  std::vector<std::string> names_;
  std::vector<Op> ops_;
};

// The templates and stylesheet of the pages: the built-in ones, each
// replaceable by a file of the same name in the theme directory.
class Templates {
 public:
  // Reads <dir>/<name> for every built-in file name present there (others
  // in the folder are ignored) and falls back to the built-in file. Refuses,
  // with a one-line reason, a dir that is not a directory, an unreadable or
  // oversized (1 MiB) file, or a template that does not parse: the operator
  // sees it at start, not on a user's first page.
  static tl::expected<Templates, std::string> load(std::optional<std::filesystem::path> dir);

  // The template named like its file, "login.html". An unknown name is a
  // bug of ours: throws std::out_of_range.
  const Template& at(std::string_view name) const;

  // style.css, to serve at /assets/style.css.
  std::string_view css() const { return css_; }
  // base64url SHA-256 of css() (43 characters): the layout links
  // /assets/style.css?v=<this>, so the stylesheet may be cached for a long
  // time and a new theme is still fetched at once; also fit for an ETag.
  std::string_view css_version() const { return css_version_; }
  // "sha256-<base64 SHA-256>", the form CSP and Subresource Integrity take.
  std::string_view css_hash_source() const { return css_hash_source_; }

  // passkey.js, the one script of the pages (WebAuthn needs one), as the
  // pages inline it, and its CSP hash source (the pages' script-src).
  const Html& passkey_script() const { return script_; }
  std::string_view passkey_script_hash() const { return script_hash_source_; }

 private:
  Templates() = default;
  std::map<std::string, Template, std::less<>> templates_;
  std::string css_;
  std::string css_version_;
  std::string css_hash_source_;
  Html script_;
  std::string script_hash_source_;
};

}  // namespace latchkey::web
