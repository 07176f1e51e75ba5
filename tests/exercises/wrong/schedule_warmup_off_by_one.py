# ruff: noqa
# exercise: schedule
# status: wrong
# first wrong: lr_at(step=0)
# on: article
# mistake: warmup_off_by_one
# Warmup counted from step 1, "so that the first step does not have a rate of 0".
import math


def lr_at(step, warmup, total, lr_max, lr_min):
    if step < warmup:
        return lr_max * (step + 1) / warmup
    t = step - warmup
    T = total - warmup
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + math.cos(math.pi * t / T))
