#pragma once

#include "mlx/types/bf16.h"
#include "mlx/types/complex.h"
#include "mlx/types/fp16.h"
