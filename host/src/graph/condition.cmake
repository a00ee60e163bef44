# The edge-condition language of graphs (graph/condition.hpp): parsed once when a graph is built,
# evaluated per edge per step. An include()-able snippet (paths are relative to this file).
add_library(tinyllm_condition STATIC
  ${CMAKE_CURRENT_LIST_DIR}/condition.cpp
  ${CMAKE_CURRENT_LIST_DIR}/condition_lexer.cpp
  ${CMAKE_CURRENT_LIST_DIR}/condition_parser.cpp)
get_filename_component(_tinyllm_condition_include ${CMAKE_CURRENT_LIST_DIR} DIRECTORY)
target_include_directories(tinyllm_condition PUBLIC ${_tinyllm_condition_include})
unset(_tinyllm_condition_include)
target_link_libraries(tinyllm_condition PUBLIC tinyllm::common)
