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
