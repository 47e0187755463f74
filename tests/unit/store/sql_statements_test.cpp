// The statements written once for both backends (store/sql/statements.hpp).
#include "store/sql/statements.hpp"

#include <gtest/gtest.h>

#include <string>

namespace latchkey::store::sql {
namespace {

TEST(SqlStatements, PlaceholdersBecomeDollarsOutsideLiterals) {
  const std::string sql = "SELECT ?1, ?12 FROM t WHERE a = '?2' AND b = 'it''s ?3' AND c = ?4 AND d IS NOT ?";
  EXPECT_EQ(with_placeholders(sql, Placeholders::numbered_question), sql);
  EXPECT_EQ(with_placeholders(sql, Placeholders::numbered_dollar),
            "SELECT $1, $12 FROM t WHERE a = '?2' AND b = 'it''s ?3' AND c = $4 AND d IS NOT ?");
}

TEST(SqlStatements, EachStyleIsBuiltOnceWithTheSameNames) {
  const Statements& sqlite = statements(Placeholders::numbered_question);
  const Statements& postgres = statements(Placeholders::numbered_dollar);
  EXPECT_EQ(&sqlite, &statements(Placeholders::numbered_question));
  EXPECT_EQ(sqlite.rotate_refresh.name, postgres.rotate_refresh.name);
  EXPECT_NE(sqlite.rotate_refresh.text.find("generation = ?2 + 1"), std::string::npos);
  EXPECT_NE(postgres.rotate_refresh.text.find("generation = $2 + 1"), std::string::npos);
  EXPECT_EQ(postgres.rotate_refresh.text.find('?'), std::string::npos);
}

}  // namespace
}  // namespace latchkey::store::sql
