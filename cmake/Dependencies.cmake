# Finds every dependency; a missing required one stops configuration and names the Debian package.

macro(iwsi_require found what package)
  if(NOT ${found})
    message(FATAL_ERROR "iwsi needs ${what}. On Debian/Ubuntu: apt-get install ${package} "
                        "(or run scripts/setup.sh, which installs everything)")
  endif()
endmacro()

find_package(MPI QUIET COMPONENTS C)
iwsi_require(MPI_C_FOUND "MPI (Open MPI, C API)" "libopenmpi-dev openmpi-bin")

set(HDF5_PREFER_PARALLEL TRUE)  # FindHDF5 picks the serial flavour when both are installed otherwise
find_package(HDF5 QUIET COMPONENTS C)
iwsi_require(HDF5_FOUND "HDF5" "libhdf5-openmpi-dev")
if(NOT HDF5_IS_PARALLEL)
  message(FATAL_ERROR "iwsi needs the *parallel* (MPI-IO) HDF5, found a serial one at ${HDF5_INCLUDE_DIRS}. "
                      "On Debian/Ubuntu: apt-get install libhdf5-openmpi-dev")
endif()

find_package(Boost 1.71 QUIET COMPONENTS program_options)
iwsi_require(Boost_FOUND "Boost.Program_options" "libboost-program-options-dev")

find_package(OpenSSL QUIET COMPONENTS Crypto)  # SHA-256 of the inputs (libcrypto)
iwsi_require(OpenSSL_FOUND "OpenSSL's libcrypto" "libssl-dev")

# Oniguruma: the regex engine of Hugging Face tokenizers, for tokenizer.json Split patterns.
find_package(PkgConfig QUIET)
if(PkgConfig_FOUND)
  pkg_check_modules(ONIGURUMA QUIET IMPORTED_TARGET oniguruma)
endif()
iwsi_require(ONIGURUMA_FOUND "Oniguruma" "libonig-dev")

find_package(nlohmann_json 3.9 QUIET)
iwsi_require(nlohmann_json_FOUND "nlohmann_json" "nlohmann-json3-dev")

# TorchConfig may print and probe for CUDA; it is quiet on a CPU-only libtorch.
find_package(Torch QUIET)
iwsi_require(Torch_FOUND "libtorch" "libtorch-dev libopenblas0-pthread")
# TORCH_CXX_FLAGS carries the ABI define; it must reach every file that includes torch headers.
separate_arguments(IWSI_TORCH_CXX_FLAGS UNIX_COMMAND "${TORCH_CXX_FLAGS}")

# CUDA and NCCL are optional: found together with a CUDA-enabled libtorch, they switch on GPU paths.
set(IWSI_WITH_CUDA OFF)
set(IWSI_WITH_NCCL OFF)
if(TORCH_CUDA_LIBRARIES OR CUDA_FOUND)
  set(IWSI_WITH_CUDA ON)
  find_path(NCCL_INCLUDE_DIR nccl.h HINTS $ENV{NCCL_HOME}/include ${CUDA_TOOLKIT_ROOT_DIR}/include)
  find_library(NCCL_LIBRARY nccl HINTS $ENV{NCCL_HOME}/lib ${CUDA_TOOLKIT_ROOT_DIR}/lib64)
  if(NCCL_INCLUDE_DIR AND NCCL_LIBRARY)
    set(IWSI_WITH_NCCL ON)
  endif()
endif()

if(IWSI_BUILD_TESTS)
  find_package(GTest QUIET)
  iwsi_require(GTest_FOUND "GoogleTest" "libgtest-dev")
endif()
