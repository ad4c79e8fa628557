// Runs our ns-3 TestSuites with ns-3's own test runner (tests/test_models_cpp.py calls it):
//   pamrl-test-runner --list            names of the suites
//   pamrl-test-runner --suite=NAME      one suite; exit status non-zero if any check fails
#include "ns3/test.h"

int
main(int argc, char* argv[])
{
    return ns3::TestRunner::Run(argc, argv);
}
