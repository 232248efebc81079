// The whole public API of bertc: compile / Session (session.h), Pipeline (pipeline.h),
// Tokenizer (tokenizer.h), Tensor and .npy files (tensor.h, npy.h), bertc::Error (error.h).
#pragma once

#include "bertc/error.h"
#include "bertc/npy.h"
#include "bertc/pipeline.h"
#include "bertc/session.h"
#include "bertc/tensor.h"
#include "bertc/tokenizer.h"
