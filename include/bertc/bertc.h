// The whole public API of bertc.
#pragma once

#include "bertc/error.h"
#include "bertc/tensor.h"
