#include "code_tool_fixture.hpp"
