#include "kube/json_fields.h"

#include <gtest/gtest.h>

namespace hort::kube {
namespace {

using nlohmann::json;

TEST(JsonFields, WrongShapesGiveTheDefaultNotAnException) {
  json pod = json::parse(R"({"metadata": {"name": "db-0", "annotations": {"k8up.io/backupcommand": "pg_dump"}},
                             "status": [], "spec": {"containers": {}}, "n": 3, "flag": true})");
  EXPECT_EQ(StringAt(pod, "/metadata/name"), "db-0");
  EXPECT_EQ(StringAt(pod, "/metadata/annotations/k8up.io~1backupcommand"), "pg_dump");
  EXPECT_EQ(StringAt(pod, "/status/phase", "?"), "?");        // through an array
  EXPECT_EQ(StringAt(pod, "/n"), "");                         // not a string
  EXPECT_TRUE(ArrayAt(pod, "/spec/containers").empty());      // an object, not an array
  EXPECT_TRUE(ObjectAt(pod, "/metadata/labels").empty());     // absent
  EXPECT_EQ(IntAt(pod, "/n"), 3);
  EXPECT_EQ(IntAt(pod, "/flag", -1), -1);
  EXPECT_TRUE(BoolAt(pod, "/flag"));
  EXPECT_EQ(FieldAt(json::array(), "/x"), nullptr);            // not an object at all
  EXPECT_EQ(FieldAt(pod, ""), &pod);
  EXPECT_EQ(StringAt(json("text"), "/metadata/name", "none"), "none");
}

}  // namespace
}  // namespace hort::kube
