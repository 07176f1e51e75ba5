# ruff: noqa
# exercise: schedule
# status: wrong
# first wrong: lr_at(step=251000)
# on: article
# mistake: no_floor
# The cosine from lr_max down to 0: lr_min is forgotten. Right at the end of warmup (and a
# step after, to 1e-6), wrong from the middle of the decay on.
import math


def lr_at(step, warmup, total, lr_max, lr_min):
    if step < warmup:
        return lr_max * step / warmup
    progress = (step - warmup) / (total - warmup)
    return lr_max / 2 * (1 + math.cos(math.pi * progress))
