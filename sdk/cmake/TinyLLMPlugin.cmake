# tinyllm_add_plugin(<name> SOURCES <files...> [LIBRARIES <targets...>] [NO_INSTALL])
# NO_INSTALL: a plugin for tests or benchmarks, never installed with the product.
#
# Builds one TinyLLM plugin as a loadable module named tinyllm-<name>.so with hidden visibility
# (only tinyllm_plugin_entry is exported) and no undefined symbols (so a missing dependency fails
# at link time here, not at load time on a user's machine). Used by every in-tree plugin; third-
# party plugins may include this file too (installed under share/tinyllm/cmake).
# Outside TinyLLM's own build there is no tinyllm::sdk target yet: define it from the headers
# next to this file (sdk/include in a checkout, <prefix>/include when installed).
if(NOT TARGET tinyllm::sdk)
  foreach(candidate ${CMAKE_CURRENT_LIST_DIR}/../include ${CMAKE_CURRENT_LIST_DIR}/../../../include)
    if(EXISTS ${candidate}/tinyllm/plugin.h)
      get_filename_component(TINYLLM_SDK_INCLUDE_DIR ${candidate} ABSOLUTE)
      break()
    endif()
  endforeach()
  if(NOT TINYLLM_SDK_INCLUDE_DIR)
    message(FATAL_ERROR "TinyLLMPlugin.cmake: cannot find tinyllm/plugin.h next to ${CMAKE_CURRENT_LIST_DIR}")
  endif()
  add_library(tinyllm_sdk_headers INTERFACE)
  target_include_directories(tinyllm_sdk_headers INTERFACE ${TINYLLM_SDK_INCLUDE_DIR})
  add_library(tinyllm::sdk ALIAS tinyllm_sdk_headers)
endif()

function(tinyllm_add_plugin name)
  cmake_parse_arguments(PARSE_ARGV 1 ARG "NO_INSTALL" "" "SOURCES;LIBRARIES")
  if(NOT ARG_SOURCES)
    message(FATAL_ERROR "tinyllm_add_plugin(${name}): SOURCES is required")
  endif()
  set(target tinyllm-plugin-${name})
  add_library(${target} MODULE ${ARG_SOURCES})
  target_link_libraries(${target} PRIVATE tinyllm::sdk ${ARG_LIBRARIES})
  set_target_properties(${target} PROPERTIES
    PREFIX ""
    OUTPUT_NAME tinyllm-${name}
    C_VISIBILITY_PRESET hidden
    CXX_VISIBILITY_PRESET hidden
    VISIBILITY_INLINES_HIDDEN ON)
  # Static libraries linked in stay private to the plugin (only the entry point is exported).
  target_link_options(${target} PRIVATE -Wl,--exclude-libs,ALL)
  if(NOT TINYLLM_SANITIZE)
    target_link_options(${target} PRIVATE -Wl,--no-undefined)
  endif()
  if(DEFINED TINYLLM_PLUGIN_OUTPUT_DIR)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${TINYLLM_PLUGIN_OUTPUT_DIR})
  endif()
  if(DEFINED TINYLLM_PLUGIN_INSTALL_DIR AND NOT ARG_NO_INSTALL)
    install(TARGETS ${target} LIBRARY DESTINATION ${TINYLLM_PLUGIN_INSTALL_DIR})
  endif()
endfunction()
