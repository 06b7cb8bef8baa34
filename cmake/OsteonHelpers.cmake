# Warnings for every Osteon target.
function(osteon_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wconversion
    -Wno-sign-conversion)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12)
    # GCC 12 reports -Wrestrict false positives inside std::string at -O2/-O3 (GCC bug 105329).
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
  if(OSTEON_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# osteon_add_library(name SOURCES... [DEPS ...] [PRIVATE_DEPS ...])
function(osteon_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/include)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  osteon_warnings(${name})
endfunction()

# osteon_embed_files(target output.cpp cxx_symbol GLOB|FILES paths...)
# Generates a C++ file defining
#   const std::vector<osteon::embedded::File>& <cxx_symbol>();
# with the name and bytes of each file (sorted by name), and a static library target.
function(osteon_embed_files target output symbol mode)
  if(mode STREQUAL "GLOB")
    file(GLOB inputs CONFIGURE_DEPENDS ${ARGN})
  else()
    set(inputs ${ARGN})
  endif()
  list(SORT inputs)
  string(REPLACE ";" "|" joined "${inputs}")
  add_custom_command(OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DOUTPUT=${output} -DSYMBOL=${symbol} "-DINPUTS=${joined}"
            -P ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
    DEPENDS ${inputs} ${PROJECT_SOURCE_DIR}/cmake/EmbedFiles.cmake
    COMMENT "Embedding ${symbol}" VERBATIM)
  add_library(${target} STATIC ${output})
  target_include_directories(${target} PUBLIC ${PROJECT_SOURCE_DIR}/include)
endfunction()

# osteon_unity(target [GROUPS]): with OSTEON_UNITY_BUILD, compile the target as unity sources
# (CMake UNITY_BUILD, batches of up to 8 files), so that the headers its files share (Catch2,
# nlohmann/json, CLI11, the standard library) are parsed and their templates compiled once per
# batch instead of once per file. GROUPS: the target's files carry UNITY_GROUP properties, and a
# file without one is compiled on its own. Used for test executables and tools, not the node's
# libraries. Files that cannot share a unity source (two file-local helpers of the same name,
# different using-directives) are kept apart with UNITY_GROUP or SKIP_UNITY_BUILD_INCLUSION.
function(osteon_unity target)
  cmake_parse_arguments(ARG "GROUPS" "" "" ${ARGN})
  if(NOT OSTEON_UNITY_BUILD)
    return()
  endif()
  set_target_properties(${target} PROPERTIES UNITY_BUILD ON)
  if(ARG_GROUPS)
    set_target_properties(${target} PROPERTIES UNITY_BUILD_MODE GROUP)
  endif()
endfunction()
