// The one Catch2 main shared by every Tandem test executable.
#define CATCH_CONFIG_MAIN
#include "catch2/catch.hpp"
