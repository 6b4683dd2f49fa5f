#include "kube/object_names.h"

#include <gtest/gtest.h>

namespace hort::kube {
namespace {

constexpr const char* kDns1035 =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic "
    "character, and end with an alphanumeric character";

TEST(ObjectNames, AServiceNameIsADns1035Label) {
  EXPECT_EQ(NameProblem("web", "Service"), "");
  EXPECT_EQ(NameProblem("a1-b2", "Service"), "");
  EXPECT_EQ(NameProblem("1abc", "Service"), kDns1035) << "ValidateServiceName: a letter first";
  EXPECT_EQ(NameProblem("-abc", "Service"), kDns1035);
  EXPECT_EQ(NameProblem("a.b", "Service"), kDns1035);
  EXPECT_EQ(NameProblem(std::string(64, 'a'), "Service"), "must be no more than 63 characters");
}

TEST(ObjectNames, NamespacesAreDns1123LabelsOtherKindsSubdomains) {
  EXPECT_EQ(NameProblem("1abc", "Namespace"), "") << "a DNS-1123 label may start with a digit";
  EXPECT_NE(NameProblem("a.b", "Namespace"), "");
  EXPECT_EQ(NameProblem("1abc", "ConfigMap"), "");
  EXPECT_EQ(NameProblem("a.b", "ConfigMap"), "");
  EXPECT_NE(NameProblem("A", "ConfigMap"), "");
  EXPECT_EQ(NameProblem("a/b", "Role"), "may not contain '/' or '%'");
}

}  // namespace
}  // namespace hort::kube
