// The doctest runner shared by every test executable. A run whose filters select no test case fails: ctest runs
// one test case per process by name, and a name doctest cannot match (doctest splits filters at commas, CMake
// lists at semicolons) would otherwise pass without running anything.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <iostream>

namespace {

bool g_ran_no_test_case = false;

struct RanNothingListener : doctest::IReporter {
  explicit RanNothingListener(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats& stats) override {
    g_ran_no_test_case = stats.numTestCasesPassingFilters == 0;
  }
  void test_case_start(const doctest::TestCaseData&) override {}
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

}  // namespace

DOCTEST_REGISTER_LISTENER("ran_nothing", 1, RanNothingListener);

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int status = context.run();
  if (context.shouldExit()) return status;
  if (status == 0 && g_ran_no_test_case) {
    std::cerr << "no test case matches the filters (doctest splits --test-case at commas: escape them as \\,)\n";
    return 1;
  }
  return status;
}
