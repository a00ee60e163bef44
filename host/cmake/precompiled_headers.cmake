# tinyllm_precompile_headers(DIRECTORY...)
#
# Gives every C++ target defined under the directories (recursively) with at least three C++
# sources a precompiled header (precompiled.hpp next to this file), built per target so that
# it always matches the target's own flags and definitions: GCC uses a precompiled header only
# when every macro defined at its creation is defined alike where it is used, which a header
# shared between targets with different usage requirements would break (silently: the header
# would be parsed again). Parsing the standard library, RapidJSON, spdlog and GoogleTest was a
# third of a test file's compile time; CI builds everything once from scratch.
#
# TINYLLM_PRECOMPILED_HEADERS=OFF turns it off (clang's fuzz build never uses it).
option(TINYLLM_PRECOMPILED_HEADERS "Precompile the common headers of each target" ON)

set(TINYLLM_PRECOMPILED_HEADER ${CMAKE_CURRENT_LIST_DIR}/precompiled.hpp)

function(tinyllm_precompile_headers)
  if(NOT TINYLLM_PRECOMPILED_HEADERS OR NOT CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    return()
  endif()
  foreach(dir ${ARGN})
    get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
    foreach(target ${targets})
      get_target_property(type ${target} TYPE)
      if(NOT type MATCHES "^(STATIC_LIBRARY|SHARED_LIBRARY|MODULE_LIBRARY|OBJECT_LIBRARY|EXECUTABLE)$")
        continue()
      endif()
      get_target_property(sources ${target} SOURCES)
      list(FILTER sources INCLUDE REGEX "\\.cpp$")
      list(LENGTH sources count)
      if(count GREATER_EQUAL 3)
        target_precompile_headers(${target} PRIVATE
          "$<$<COMPILE_LANGUAGE:CXX>:${TINYLLM_PRECOMPILED_HEADER}>")
      endif()
    endforeach()
    get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
    if(subdirs)
      tinyllm_precompile_headers(${subdirs})
    endif()
  endforeach()
endfunction()
