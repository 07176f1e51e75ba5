"""The names PyTorch gives the backward functions of the engine's operations.

Recorded from torch 2.13.0+cpu by `python -m llmtutor.pytorch.autograd_names`;
tests/engine/test_autograd.py checks them against a live torch run. Do not edit.
"""

BACKWARD_NAMES = {
    "add": "AddBackward0",
    "mul": "MulBackward0",
    "pow": "PowBackward0",
    "sub": "SubBackward0",
}
LEAF_NAME = "AccumulateGrad"
