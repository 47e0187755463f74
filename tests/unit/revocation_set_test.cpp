#include "auth/revocation_set.hpp"

#include <gtest/gtest.h>

using latchkey::auth::RevocationSet;

TEST(RevocationSet, ContainsWhatWasAdded) {
  RevocationSet s;
  EXPECT_FALSE(s.contains("a"));
  s.add("a", 100);
  EXPECT_TRUE(s.contains("a"));
  EXPECT_FALSE(s.contains("b"));
}

TEST(RevocationSet, PruneDropsOnlyEntriesWhoseTokensHaveAllExpired) {
  RevocationSet s;
  s.add("old", 100);
  s.add("new", 1000);
  s.prune(500);
  EXPECT_FALSE(s.contains("old"));
  EXPECT_TRUE(s.contains("new"));
  EXPECT_EQ(s.size(), 1u);
}

TEST(RevocationSet, ReAddingKeepsTheLaterDeadline) {
  RevocationSet s;
  s.add("a", 1000);
  s.add("a", 100);
  s.prune(500);
  EXPECT_TRUE(s.contains("a"));
}
