#include "catalog/names.h"

#include <gtest/gtest.h>

#include "catalog/catalog_test_support.h"

namespace hort {
namespace {

TEST(Names, EachProblemIsNamedAccurately) {
  EXPECT_EQ(NameProblem("paperless-db_1.sql"), "");
  EXPECT_EQ(NameProblem(""), "is empty");
  EXPECT_EQ(NameProblem(".."), "may not be \"..\", which names a folder, not a file") << "it uses '.' only";
  EXPECT_EQ(NameProblem("."), "may not be \".\", which names a folder, not a file");
  EXPECT_EQ(NameProblem("a/b"), "may use letters, digits, '-', '_' and '.' only");
  EXPECT_EQ(NameProblem("../../x"), "may use letters, digits, '-', '_' and '.' only");
}

// `name: ""` made the job app/files/, `name: ../../x` a job and metric label
// climbing out of the service (a probe).
TEST_F(CatalogTest, FilesEntryNamesAreCheckedLikeTestIds) {
  auto errors = Errors(AppFiles(R"(      - {name: "", path: /srv/a, schedule: "@daily", repository: main}
      - {name: a/b, path: /srv/b, schedule: "@daily", repository: main}
      - {name: ../../x, path: /srv/c, schedule: "@daily", repository: main}
      - {path: "/srv/my files", schedule: "@daily", repository: main}
      - {path: /srv/d/, schedule: "@daily", repository: main}
tests:
  "..": {type: dr, every: 1y}
)"));
  ASSERT_EQ(errors.size(), 5u);
  EXPECT_NE(errors[0].find("services.app.files[0].name: an entry name is empty"), std::string::npos) << errors[0];
  EXPECT_NE(errors[1].find("services.app.files[1].name: an entry name may use letters"), std::string::npos) << errors[1];
  EXPECT_NE(errors[2].find("services.app.files[2].name: an entry name may use letters"), std::string::npos) << errors[2];
  EXPECT_NE(errors[3].find("services.app.files[3].name: the entry's default name \"my files\" may use letters"),
            std::string::npos) << errors[3];
  EXPECT_NE(errors[4].find("tests...: a test id may not be \"..\""), std::string::npos) << errors[4];
  // The default of /srv/d/ is "d", as for /srv/d: no error above.
}

}  // namespace
}  // namespace hort
