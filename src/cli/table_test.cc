#include "cli/table.h"

#include <gtest/gtest.h>

namespace zhisuan::cli {
namespace {

TEST(Table, DisplayWidthCountsCjkDouble) {
  EXPECT_EQ(DisplayWidth("abc"), 3u);
  EXPECT_EQ(DisplayWidth("鹏城云脑II"), 10u);
  EXPECT_EQ(DisplayWidth("·"), 1u);
}

TEST(Table, AlignsMixedScripts) {
  Table t({"ID", "NAME", "N"}, {Table::Align::kLeft, Table::Align::kLeft, Table::Align::kRight});
  t.AddRow({"a", "鹏城", "5"});
  t.AddRow({"bb", "xy", "10"});
  t.AddRule();
  t.AddRow({"total", "", "15"});
  EXPECT_EQ(t.Render(),
            "ID     NAME   N\n"
            "a      鹏城   5\n"
            "bb     xy    10\n"
            "---------------\n"
            "total        15\n");
}

}  // namespace
}  // namespace zhisuan::cli
