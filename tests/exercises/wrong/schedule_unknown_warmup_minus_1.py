# ruff: noqa
# exercise: schedule
# status: wrong
# first wrong: lr_at(step=1)
# on: article
# mistake: none
# A slip the engine does not know: the ramp divided by warmup - 1 ("so that it reaches
# lr_max at the last warmup step"). Right at step 0, wrong from step 1.
import math


def lr_at(step, warmup, total, lr_max, lr_min):
    if step < warmup:
        return lr_max * step / (warmup - 1)
    t = step - warmup
    T = total - warmup
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * t / T))
