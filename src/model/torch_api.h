// The parts of libtorch iwsi uses: tensors and their ops, autograd (custom Functions, grad modes),
// CUDA queries. Included instead of <torch/torch.h>, whose C++ frontend (nn modules, optimizers,
// data loaders, serialization, JIT) we do not use and which would double the precompiled header
// (570 MB -> 370 MB) and the time every file takes to load it. Identical in libtorch 1.13 and 2.x.
#pragma once

#include <torch/autograd.h>
#include <torch/cuda.h>
#include <torch/types.h>
#include <torch/utils.h>
