# Precompiled libtorch headers only where they are needed, and one compile per folder: loading the 370 MB header costs a file
# ~4 s, a file that never reaches libtorch compiles in under 1 s without it. A file needs libtorch
# when its own #includes, followed through the project's headers, reach <torch/...>, <ATen/...> or
# <c10/...>.

# Sets ${out} to TRUE when `file` reaches a libtorch header. Results are cached per file.
function(iwsi_reaches_torch file out)
  get_property(known GLOBAL PROPERTY "iwsi_torch_${file}" SET)
  if(known)
    get_property(result GLOBAL PROPERTY "iwsi_torch_${file}")
    set(${out} ${result} PARENT_SCOPE)
    return()
  endif()
  set_property(GLOBAL PROPERTY "iwsi_torch_${file}" FALSE)  # an include cycle ends here
  set(result FALSE)
  get_filename_component(here "${file}" DIRECTORY)
  file(STRINGS "${file}" includes REGEX "^#include [<\"]")
  foreach(line IN LISTS includes)
    if(line MATCHES "^#include <(torch|ATen|c10)/")
      set(result TRUE)
      break()
    endif()
    if(line MATCHES "^#include \"([^\"]+)\"")
      foreach(base "${CMAKE_SOURCE_DIR}/src" "${CMAKE_SOURCE_DIR}/jobs" "${CMAKE_SOURCE_DIR}/tests" "${here}")
        if(EXISTS "${base}/${CMAKE_MATCH_1}")
          iwsi_reaches_torch("${base}/${CMAKE_MATCH_1}" found)
          if(found)
            set(result TRUE)
          endif()
          break()
        endif()
      endforeach()
      if(result)
        break()
      endif()
    endif()
  endforeach()
  set_property(GLOBAL PROPERTY "iwsi_torch_${file}" ${result})
  set(${out} ${result} PARENT_SCOPE)
endfunction()

# Compiles `target` fast on few cores. A file that never reaches libtorch compiles on its own,
# without the precompiled header. The others are compiled one source folder at a time (a "unity"
# build, IWSI_UNITY_BUILD): the header is loaded once per folder instead of once per file, and
# libtorch's templates are instantiated once; a fresh build takes a third of the time. Within a
# folder, names in anonymous namespaces must then differ between files.
function(iwsi_fast_build target)
  foreach(source IN LISTS ARGN)
    iwsi_reaches_torch("${source}" needs)
    if(needs)
      get_filename_component(folder "${source}" DIRECTORY)
      get_filename_component(folder "${folder}" NAME)
      set_source_files_properties("${source}" PROPERTIES UNITY_GROUP "${folder}")
    else()
      set_source_files_properties("${source}" PROPERTIES SKIP_PRECOMPILE_HEADERS ON SKIP_UNITY_BUILD_INCLUSION ON)
    endif()
  endforeach()
  set_target_properties(${target} PROPERTIES UNITY_BUILD ${IWSI_UNITY_BUILD} UNITY_BUILD_MODE GROUP)
endfunction()
