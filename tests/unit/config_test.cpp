#include "config/config.hpp"

#include <gtest/gtest.h>

#include "config/duration.hpp"

using namespace latchkey::config;

TEST(Duration, ParsesUnits) {
  EXPECT_EQ(parse_duration("900"), 900);
  EXPECT_EQ(parse_duration("900s"), 900);
  EXPECT_EQ(parse_duration("15m"), 900);
  EXPECT_EQ(parse_duration("12h"), 43200);
  EXPECT_EQ(parse_duration("30d"), 2592000);
}

TEST(Duration, RefusesNonsense) {
  for (const char* bad : {"", "0", "-5", "5x", "m", "1.5h", " 5", "99999999999999d"}) {
    EXPECT_FALSE(parse_duration(bad).has_value()) << bad;
  }
}

TEST(Config, Defaults) {
  auto c = load({}, {}, {}).value();
  EXPECT_EQ(c.host, "127.0.0.1");
  EXPECT_EQ(c.port, 5000);
  EXPECT_EQ(c.database_url, "sqlite://latchkey.db");
  EXPECT_FALSE(c.secret_key.has_value());
  EXPECT_EQ(c.access_token_ttl, 900);
  EXPECT_EQ(c.issuer, "http://127.0.0.1:5000");
}

TEST(Config, EnvironmentThenDotenvThenFlags) {
  Vars env{{"PORT", "6000"}, {"HOST", "0.0.0.0"}, {"ACCESS_TOKEN_TTL", "60"}};
  Vars dotenv{{"PORT", "7000"}, {"ACCESS_TOKEN_TTL", "120"}};
  auto c = load(env, dotenv, {"--port", "8000"}).value();
  EXPECT_EQ(c.port, 8000);                // flag beats .env and environment
  EXPECT_EQ(c.access_token_ttl, 120);     // .env beats environment
  EXPECT_EQ(c.host, "0.0.0.0");           // environment alone
  auto d = load(env, dotenv, {"--port=8001"}).value();
  EXPECT_EQ(d.port, 8001);
}

TEST(Config, ShortSecretIsRefusedWithAClearReason) {
  auto c = load({{"SECRET_KEY", "too-short"}}, {}, {});
  ASSERT_FALSE(c.has_value());
  EXPECT_NE(c.error().find("SECRET_KEY"), std::string::npos);
  EXPECT_NE(c.error().find("32"), std::string::npos);
  auto ok = load({{"SECRET_KEY", std::string(32, 'k')}}, {}, {});
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->secret_key, std::string(32, 'k'));
}

TEST(Config, BadValuesNameTheSetting) {
  struct Case {
    Vars env;
    std::vector<std::string> flags;
    const char* needle;
  };
  std::vector<Case> cases = {
      {{{"PORT", "abc"}}, {}, "PORT"},
      {{{"PORT", "70000"}}, {}, "PORT"},
      {{{"ACCESS_TOKEN_TTL", "-5"}}, {}, "ACCESS_TOKEN_TTL"},
      {{}, {"--nope", "1"}, "--nope"},
      {{}, {"--port"}, "--port"},
      {{}, {"stray"}, "stray"},
  };
  for (const auto& k : cases) {
    auto c = load(k.env, {}, k.flags);
    ASSERT_FALSE(c.has_value()) << k.needle;
    EXPECT_NE(c.error().find(k.needle), std::string::npos) << c.error();
  }
}

TEST(Dotenv, ParsesCommentsQuotesAndExport) {
  std::string err;
  auto v = parse_dotenv(
      "# comment\n"
      "SECRET_KEY=abc\n"
      "export PORT=5001\n"
      "QUOTED=\"a b # c\"\n"
      "SINGLE='x'\n"
      "TRAIL=value # note\n"
      "\n",
      &err);
  EXPECT_TRUE(err.empty());
  EXPECT_EQ(v["SECRET_KEY"], "abc");
  EXPECT_EQ(v["PORT"], "5001");
  EXPECT_EQ(v["QUOTED"], "a b # c");
  EXPECT_EQ(v["SINGLE"], "x");
  EXPECT_EQ(v["TRAIL"], "value");
}

TEST(Dotenv, MalformedLineIsNamed) {
  std::string err;
  parse_dotenv("A=1\nnot a pair\n", &err);
  EXPECT_NE(err.find("line 2"), std::string::npos);
}

TEST(Config, TlsNeedsBothFilesAndMakesTheIssuerHttps) {
  auto c = load({{"TLS_CERT", "/c.pem"}, {"TLS_KEY", "/k.pem"}}, {}, {}).value();
  EXPECT_EQ(c.tls_cert, "/c.pem");
  EXPECT_EQ(c.tls_key, "/k.pem");
  EXPECT_EQ(c.issuer, "https://127.0.0.1:5000");
  EXPECT_EQ(load({{"TLS_CERT", "/c.pem"}}, {}, {}).error(), "TLS_CERT is set without TLS_KEY: set both (HTTPS) or neither (HTTP)");
  EXPECT_EQ(load({}, {}, {"--tls-key", "/k.pem"}).error(), "TLS_KEY is set without TLS_CERT: set both (HTTPS) or neither (HTTP)");
  EXPECT_FALSE(load({{"TLS_CERT", ""}, {"TLS_KEY", "/k.pem"}}, {}, {}).has_value());
  EXPECT_TRUE(load({}, {}, {}).value().tls_cert.empty());
}

namespace latchkey::config {
namespace {

TEST(ConfigMail, OffUnlessSmtpUrlIsSetAndThenMailFromIsRequired) {
  auto off = load({}, {}, {}).value();
  EXPECT_TRUE(off.smtp_url.empty());
  EXPECT_EQ(off.public_url, off.issuer);
  EXPECT_EQ(off.mail_notices.size(), 5u);
  auto missing = load({{"SMTP_URL", "smtp://mail.example.com:587"}}, {}, {});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().find("MAIL_FROM"), std::string::npos);
  auto on = load({{"SMTP_URL", "smtps://mail.example.com:465"}, {"MAIL_FROM", "Latchkey <no-reply@example.com>"},
                  {"PUBLIC_URL", "https://id.example.com/"}},
                 {}, {})
                .value();
  EXPECT_EQ(on.public_url, "https://id.example.com");
  EXPECT_TRUE(on.smtp_starttls);
}

TEST(ConfigMail, PlainSmtpOnlyToALoopbackRelay) {
  const Vars base{{"SMTP_URL", "smtp://mail.example.com:25"}, {"MAIL_FROM", "a@example.com"}, {"SMTP_STARTTLS", "off"}};
  auto refused = load(base, {}, {});
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().find("SMTP_STARTTLS"), std::string::npos);
  Vars local = base;
  local["SMTP_URL"] = "smtp://127.0.0.1:2525";
  EXPECT_TRUE(load(local, {}, {}));
  local["SMTP_URL"] = "smtp://[::1]:2525";
  EXPECT_TRUE(load(local, {}, {}));
}

TEST(ConfigMail, BadValuesNameTheSetting) {
  for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
           {"SMTP_URL", "http://mail.example.com"},
           {"PUBLIC_URL", "id.example.com"},
           {"MAIL_NOTICES", "new_device,everything"},
           {"MAIL_RETRY_BASE", "0s"},
           {"MAIL_MAX_ATTEMPTS", "0"},
           {"MAIL_POLL", "10ms"},
           {"LOGIN_WITH_EMAIL", "maybe"},
           {"MAIL_FROM", "Name <not an address>"},
       }) {
    auto c = load({{name, value}}, {}, {});
    ASSERT_FALSE(c) << name;
    EXPECT_NE(c.error().find(name.substr(0, 4)), std::string::npos) << c.error();
  }
  auto some = load({{"MAIL_NOTICES", "new_device, password_changed"}, {"MAIL_POLL", "250ms"}}, {}, {}).value();
  EXPECT_EQ(some.mail_notices, (std::vector<std::string>{"new_device", "password_changed"}));
  EXPECT_EQ(some.mail_poll_ms, 250);
  EXPECT_TRUE(load({{"MAIL_NOTICES", "none"}}, {}, {}).value().mail_notices.empty());
}

}  // namespace
}  // namespace latchkey::config
