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
# A libtorch built with the pre-C++11 std::string ABI (older pip wheels) cannot be linked with
# Boost, HDF5 and GoogleTest built the usual way: say so now instead of at link time.
if(TORCH_CXX_FLAGS MATCHES "_GLIBCXX_USE_CXX11_ABI=0")
  message(FATAL_ERROR "libtorch at ${Torch_DIR} uses the pre-C++11 ABI (_GLIBCXX_USE_CXX11_ABI=0), "
                      "which the system's Boost, HDF5 and GoogleTest do not: use a cxx11-ABI libtorch "
                      "(PyTorch >= 2.7 pip wheels, the 'cxx11 ABI' libtorch zip from pytorch.org, or Debian's)")
endif()

# CUDA and NCCL are optional: found together with a CUDA-enabled libtorch, they switch on GPU paths.
set(IWSI_WITH_CUDA OFF)
set(IWSI_WITH_NCCL OFF)
if(TORCH_CUDA_LIBRARIES OR CUDA_FOUND)
  set(IWSI_WITH_CUDA ON)
  # NCCL: NCCL_HOME, the CUDA toolkit, or pip's nvidia-nccl package beside PyTorch (whose library
  # is only libnccl.so.2, without the unversioned name).
  set(_nccl_pip "")
  find_package(Python3 QUIET COMPONENTS Interpreter)
  if(Python3_FOUND)
    execute_process(COMMAND ${Python3_EXECUTABLE} -c "import nvidia.nccl, os; print(list(nvidia.nccl.__path__)[0])"
                    OUTPUT_VARIABLE _nccl_pip OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  endif()
  find_path(NCCL_INCLUDE_DIR nccl.h HINTS $ENV{NCCL_HOME}/include ${CUDA_TOOLKIT_ROOT_DIR}/include ${_nccl_pip}/include)
  find_library(NCCL_LIBRARY NAMES nccl libnccl.so.2
               HINTS $ENV{NCCL_HOME}/lib ${CUDA_TOOLKIT_ROOT_DIR}/lib64 ${_nccl_pip}/lib)
  if(NCCL_INCLUDE_DIR AND NCCL_LIBRARY)
    set(IWSI_WITH_NCCL ON)
  endif()
endif()

if(IWSI_BUILD_TESTS)
  find_package(GTest QUIET)
  iwsi_require(GTest_FOUND "GoogleTest" "libgtest-dev")
endif()
