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
