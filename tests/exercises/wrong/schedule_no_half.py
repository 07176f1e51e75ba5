# ruff: noqa
# exercise: schedule
# status: wrong
# first wrong: lr_at(step=2000)
# on: article
# mistake: no_half
# The 1/2 in front of (1 + cos) is forgotten, so the rate starts the decay at twice the drop.
import math


def lr_at(step, warmup, total, lr_max, lr_min):
    if step < warmup:
        return lr_max * step / warmup
    progress = (step - warmup) / (total - warmup)
    return lr_min + (lr_max - lr_min) * (1 + math.cos(math.pi * progress))
